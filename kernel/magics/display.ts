// %%html, %%markdown, %%svg: the cell's body is not code but a literal to display (IPython's
// DisplayMagics).
import type { CellOutcome, Magic, OptionSpecs } from "./contract.js";

const shown = (): CellOutcome => ({ ok: true, value: undefined, hasValue: false });

// A magic's body under another cell magic (`%%capture` over `%%html`) starts with blank lines
// that keep the cell's line numbers; they mean nothing in a literal.
const literal = (body: string) => body.replace(/^\n+/, "");

const HTML_OPTIONS = {
  isolated: { type: "flag", help: "render it in its own iframe (metadata text/html: { isolated: true })" },
} satisfies OptionSpecs;

export const htmlMagic: Magic<typeof HTML_OPTIONS> = {
  name: "html",
  description: "Displays the cell's body as HTML (a display_data with text/html).",
  options: HTML_OPTIONS,
  cell: {
    async run({ session, options, body }) {
      session.output.html(literal(body), options.isolated ? { metadata: { "text/html": { isolated: true } } } : {});
      return shown();
    },
  },
};

export const markdownMagic: Magic = {
  name: "markdown",
  description: "Displays the cell's body as Markdown (a display_data with text/markdown).",
  cell: {
    async run({ session, body }) {
      session.output.markdown(literal(body));
      return shown();
    },
  },
};

export const svgMagic: Magic = {
  name: "svg",
  description: "Displays the cell's body as an SVG image (a display_data with image/svg+xml).",
  cell: {
    async run({ session, body, usageError }) {
      const source = literal(body).trim();
      if (!/<svg[\s>]/i.test(source)) throw usageError("%%svg: the cell has no <svg> element: write the image's markup below %%svg, starting with <svg …>.");
      session.output.display({ "image/svg+xml": source, "text/plain": "<SVG image>" });
      return shown();
    },
  },
};
