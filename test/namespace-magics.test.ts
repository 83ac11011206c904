// %env, %who, %whos, %reset, %%capture, %history, %%html, %%markdown, %%svg through the real
// kernel: IPython's output formats, and what bad input gets.
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../kernel/protocol/messages.js";
import { errorOf, ofType, resultText, startKernel, stderr, stdout, type TestKernel } from "./helpers/kernel.js";

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel();
});
afterAll(async () => {
  await k?.stop();
});

const run = async (code: string) => (await k.client.execute(code, { timeoutMs: 120_000 })).outputs;
const displays = (outputs: Message[]) => ofType(outputs, "display_data").map((m) => m.content as { data: Record<string, string>; metadata: Record<string, unknown> });
/** The %whos row of one variable: its type and its Data/Info. */
const whosRow = (table: string, name: string) => {
  const m = new RegExp(`^${name} +(\\S+) +(.*)$`, "m").exec(table);
  return m ? { type: m[1], info: m[2] } : undefined;
};

describe("%who and %whos", () => {
  it("say the namespace is empty in a new kernel", async () => {
    expect(stdout(await run("%who"))).toBe("Interactive namespace is empty.\n");
    expect(stdout(await run("%whos"))).toBe("Interactive namespace is empty.\n");
  });

  it("%who prints the names as IPython does, and filters by type", async () => {
    await run('const alpha = 123;\nconst beta = "test";');
    expect(stdout(await run("%who"))).toBe("alpha\t beta\t \n");
    expect(stdout(await run("%who number"))).toBe("alpha\t \n");
    expect(stdout(await run("%who string number"))).toBe("alpha\t beta\t \n");
    expect(stdout(await run("%who Map"))).toBe("No variables match your requested type.\n");
  });

  it("%whos prints IPython's table: Variable, Type, Data/Info under a dashed rule", async () => {
    expect(stdout(await run("%whos"))).toBe(["Variable   Type      Data/Info", "------------------------------", "alpha      number    123", "beta       string    test", ""].join("\n"));
  });

  it("%whos sums up arrays, shared memory, maps, sets, functions, long text and tensors", async () => {
    await run(
      [
        'import { parallel, tf } from "parallab";',
        "const small = new Float64Array(3);",
        "const big = new Float32Array(50000);",
        "const counts = parallel.shared(Int32Array, 1000);",
        "const list = [1, 2, 3, 4];",
        "const lookup = new Map([['a', 1], ['b', 2]]);",
        "const seen = new Set([1]);",
        "function helper() { return 1; }",
        "class Shape {}",
        "const long = 'x'.repeat(30) + 'y'.repeat(30);",
        "const matrix = tf.zeros([2, 3]);",
      ].join("\n"),
    );
    const table = stdout(await run("%whos"));
    expect(whosRow(table, "small")).toEqual({ type: "Float64Array", info: "3: 3 elems, type `float64`, 24 bytes" });
    expect(whosRow(table, "big")).toEqual({ type: "Float32Array", info: "50000: 50000 elems, type `float32`, 200000 bytes (195.3125 kb)" });
    expect(whosRow(table, "counts")).toEqual({ type: "Int32Array", info: "1000: 1000 elems, type `int32`, 4000 bytes, shared" });
    expect(whosRow(table, "list")).toEqual({ type: "Array", info: "n=4" });
    expect(whosRow(table, "lookup")).toEqual({ type: "Map", info: "size=2" });
    expect(whosRow(table, "seen")).toEqual({ type: "Set", info: "size=1" });
    expect(whosRow(table, "helper")).toEqual({ type: "function", info: "[Function: helper]" });
    expect(whosRow(table, "Shape")).toEqual({ type: "class", info: "[class Shape]" });
    expect(whosRow(table, "long")).toEqual({ type: "string", info: `${"x".repeat(25)}<...>${"y".repeat(25)}` });
    expect(whosRow(table, "matrix")).toEqual({ type: "Tensor", info: "2x3: 6 elems, type `float32`, 24 bytes" });
    // Imports are the notebook's names too (IPython lists modules).
    expect(whosRow(table, "tf")?.type).toBeDefined();
    expect(stdout(await run("%who Float64Array Int32Array"))).toBe("counts\t small\t \n");
  });
});

describe("%env", () => {
  it("sets a variable and prints env: NAME=VALUE; %env NAME is its value", async () => {
    expect(stdout(await run("%env PARALLAB_TEST_GREETING=hello world"))).toBe("env: PARALLAB_TEST_GREETING=hello world\n");
    expect(resultText(await run("%env PARALLAB_TEST_GREETING"))).toBe("'hello world'");
    expect(stdout(await run("%env PARALLAB_TEST_SPACED spaced value"))).toBe("env: PARALLAB_TEST_SPACED=spaced value\n");
    expect(resultText(await run("process.env.PARALLAB_TEST_SPACED"))).toBe("'spaced value'");
  });

  it("%env alone is the environment as an object, likely secrets hidden", async () => {
    await run("%env PARALLAB_TEST_API_TOKEN=s3cret");
    const outputs = await run("const environment = %env\n[typeof environment, environment.PARALLAB_TEST_GREETING, environment.PARALLAB_TEST_API_TOKEN]");
    expect(resultText(outputs)).toBe("[ 'object', 'hello world', '<hidden>' ]");
  });

  it("expands {expressions} from the notebook's variables", async () => {
    await run("const threads = 3;");
    expect(stdout(await run("%env PARALLAB_TEST_THREADS={threads * 2}"))).toBe("env: PARALLAB_TEST_THREADS=6\n");
  });

  it("a malformed assignment is a UsageError that says what to write, and the kernel goes on", async () => {
    const empty = errorOf(await run("%env =value"));
    expect(empty?.ename).toBe("UsageError");
    expect(empty?.evalue).toMatch(/no variable name before the = .*write %env NAME=VALUE/);
    const spaced = errorOf(await run("%env TWO WORDS=value"));
    expect(spaced?.ename).toBe("UsageError");
    expect(spaced?.evalue).toMatch(/whitespace \("TWO WORDS"\)/);
    const missing = errorOf(await run("%env PARALLAB_TEST_NEVER_SET"));
    expect(missing?.ename).toBe("UsageError");
    expect(missing?.evalue).toMatch(/^Environment does not have key: PARALLAB_TEST_NEVER_SET/);
    expect(resultText(await run("1 + 1"))).toBe("2");
  });

  it("worker threads see a variable set afterwards: the pool's running threads and new %%workers ranks", async () => {
    // The pool's threads start before the variable is set.
    expect(resultText(await run('import { parallel } from "parallab";\nawait parallel.map([1], () => process.env.PARALLAB_TEST_LATE ?? "unset")'))).toBe("[ 'unset' ]");
    await run("%env PARALLAB_TEST_LATE=seen");
    expect(resultText(await run('await parallel.map([1, 2, 3], () => process.env.PARALLAB_TEST_LATE ?? "unset")'))).toBe("[ 'seen', 'seen', 'seen' ]");
    expect(resultText(await run("%%workers -n 2\nprocess.env.PARALLAB_TEST_LATE"))).toBe("[rank 0] 'seen'\n[rank 1] 'seen'");
  });
});

describe("%%capture", () => {
  it("captures stdout, stderr, displays and the value; NAME.show() replays them into the cell", async () => {
    const outputs = await run('%%capture out\nimport { html } from "parallab";\nconsole.log("to stdout");\nconsole.error("to stderr");\nhtml("<b>shown</b>");\n6 * 7');
    expect(ofType(outputs, "stream")).toEqual([]);
    expect(ofType(outputs, "display_data")).toEqual([]);
    expect(ofType(outputs, "execute_result")).toEqual([]);
    expect(resultText(await run("[out.stdout, out.stderr, out.outputs.length, String(out)]"))).toBe("[ 'to stdout\\n', 'to stderr\\n', 2, 'to stdout\\n' ]");
    expect(resultText(await run('out.outputs[0].data["text/html"]'))).toBe("'<b>shown</b>'");

    const shown = await run("out.show()");
    expect(stdout(shown)).toBe("to stdout\n");
    expect(stderr(shown)).toBe("to stderr\n");
    expect(displays(shown).map((d) => d.data)).toEqual([{ "text/html": "<b>shown</b>", "text/plain": "shown" }, { "text/plain": "42" }]);
    // IPython's order: the text first, then the displays.
    expect(shown.map((m) => m.header.msg_type).filter((t) => t !== "status")).toEqual(["execute_input", "stream", "stream", "display_data", "display_data"]);

    // The same name again holds the new capture.
    await run('%%capture out\nconsole.log("second run")');
    expect(resultText(await run("out.stdout"))).toBe("'second run\\n'");
  });

  it("--no-stdout, --no-stderr and --no-display leave that output in the cell", async () => {
    const outputs = await run('%%capture partial --no-stdout --no-display\nconsole.log("visible");\nconsole.error("kept");\nhtml("<i>also visible</i>");\n"value"');
    expect(stdout(outputs)).toBe("visible\n");
    expect(stderr(outputs)).toBe("");
    expect(displays(outputs)).toHaveLength(1);
    expect(resultText(outputs)).toBe("'value'");
    expect(resultText(await run("[partial.stdout, partial.stderr, partial.outputs.length]"))).toBe("[ '', 'kept\\n', 0 ]");
    const noStderr = await run('%%capture --no-stderr\nconsole.log("dropped");\nconsole.error("in the cell")');
    expect(stdout(noStderr)).toBe("");
    expect(stderr(noStderr)).toBe("in the cell\n");
  });

  it("captures what worker threads print for the cell", async () => {
    await run('%%capture fromWorkers\nimport { parallel } from "parallab";\n' + "await parallel.map([1, 2], (v) => { console.log(`worker ${v}`); return v; })");
    const text = resultText(await run("fromWorkers.stdout"));
    expect(text).toContain("worker 1");
    expect(text).toContain("worker 2");
  });

  it("shows the body's error and still keeps what it captured", async () => {
    const outputs = await run('%%capture failed\nconsole.log("before");\nthrow new RangeError("boom")');
    expect(errorOf(outputs)?.ename).toBe("RangeError");
    expect(stdout(outputs)).toBe("");
    expect(resultText(await run("failed.stdout"))).toBe("'before\\n'");
  });

  it("captures another cell magic's displays", async () => {
    await run("%%capture page\n%%html\n<p>inside</p>");
    expect(resultText(await run('page.outputs[0].data["text/html"]'))).toBe("'<p>inside</p>'");
  });

  it("a NAME that is not a variable name is a UsageError", async () => {
    const bad = errorOf(await run("%%capture 2fast\n1"));
    expect(bad?.ename).toBe("UsageError");
    expect(bad?.evalue).toMatch(/"2fast" is not a variable name/);
    const reserved = errorOf(await run("%%capture class\n1"));
    expect(reserved?.evalue).toMatch(/"class" is a reserved word/);
  });
});

describe("%%html, %%markdown, %%svg", () => {
  it("display the body with its mime type", async () => {
    expect(displays(await run("%%html\n<b>bold</b>"))[0]?.data["text/html"]).toBe("<b>bold</b>");
    const isolated = displays(await run("%%html --isolated\n<p>alone</p>"))[0];
    expect(isolated?.metadata).toEqual({ "text/html": { isolated: true } });
    expect(displays(await run("%%markdown\n# Title\n\n*text*"))[0]?.data["text/markdown"]).toBe("# Title\n\n*text*");
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    expect(displays(await run(`%%svg\n${svg}`))[0]?.data["image/svg+xml"]).toBe(svg);
  });

  it("%%svg without an <svg> element is a UsageError", async () => {
    const error = errorOf(await run("%%svg\n<rect/>"));
    expect(error?.ename).toBe("UsageError");
    expect(error?.evalue).toMatch(/no <svg> element/);
  });
});

describe("%reset", () => {
  it("-f forgets the notebook's variables; imports keep working; the names can be declared again", async () => {
    await run('import { html, parallel, tf } from "parallab";\nconst forgotten = 1;\nfunction forgottenFn() { return 2; }\ninterface ForgottenType { a: number }');
    expect(stdout(await run("%reset -f"))).toBe("");
    const gone = errorOf(await run("forgotten"));
    expect(gone?.ename).toBe("TSError");
    expect(gone?.evalue).toMatch(/Cannot find name 'forgotten'/);
    expect(errorOf(await run("forgottenFn()"))?.evalue).toMatch(/Cannot find name 'forgottenFn'/);
    expect(errorOf(await run("const t: ForgottenType = { a: 1 }"))?.evalue).toMatch(/Cannot find name 'ForgottenType'/);
    // Imported earlier, still bound.
    expect(resultText(await run("tf.tensor([1, 2, 3]).shape"))).toBe("[ 3 ]");
    expect(resultText(await run("(await parallel.map([1, 2], (x) => x * 10)).join()"))).toBe("'10,20'");
    expect(resultText(await run('import { tf as tfAgain } from "parallab";\nimport * as lab from "parallab";\ntfAgain === tf && lab.tf === tf'))).toBe("true");
    expect(resultText(await run('const forgotten = "declared again";\nforgotten'))).toBe("'declared again'");
    expect(stdout(await run("%who"))).toBe("forgotten\t html\t lab\t parallel\t tf\t tfAgain\t \n");
  });

  it("forgets declarations the compiler had frozen (a long session's older ones)", async () => {
    const many = Array.from({ length: 80 }, (_, i) => `const old${i} = ${i};`).join("\n");
    await run(many);
    // Compiling the next cell moves those 80 declarations out of the live ones.
    expect(resultText(await run("old0 + old79"))).toBe("79");
    await run("%reset -f");
    expect(errorOf(await run("old0"))?.evalue).toMatch(/Cannot find name 'old0'/);
    expect(resultText(await run("typeof (globalThis as Record<string, unknown>).old5"))).toBe("'undefined'");
    expect(resultText(await run("const old0 = 'new'; old0"))).toBe("'new'");
  });

  it("keeps what its own cell declares after it", async () => {
    await run("%reset -f\nconst afterReset = 5;");
    expect(resultText(await run("afterReset"))).toBe("5");
    expect(errorOf(await run("forgotten"))?.evalue).toMatch(/Cannot find name 'forgotten'/);
  });

  it("without -f asks the front end, and does nothing unless the answer is y", async () => {
    await run("const precious = 1;");
    const prompts: string[] = [];
    const answer = (reply: string) => (prompt: string) => {
      prompts.push(prompt);
      return reply;
    };
    const { outputs: declined } = await k.client.execute("%reset", { onInput: answer("n") });
    expect(prompts).toEqual(["Once deleted, variables cannot be recovered. Proceed (y/[n])?"]);
    expect(stdout(declined)).toBe("Nothing done.\n");
    expect(resultText(await run("precious"))).toBe("1");
    await k.client.execute("%reset", { onInput: answer("y") });
    expect(prompts).toHaveLength(2);
    expect(errorOf(await run("precious"))?.evalue).toMatch(/Cannot find name 'precious'/);
    // A front end without stdin cannot answer: IPython goes ahead.
    await run("const again = 1;\n%reset");
    expect(errorOf(await run("again"))?.evalue).toMatch(/Cannot find name 'again'/);
  });
});

describe("%lsmagic, %magic and %NAME?", () => {
  it("cover the new magics", async () => {
    const listed = stdout(await run("%lsmagic"));
    for (const name of ["%env", "%history", "%reset", "%who", "%whos"]) expect(listed).toMatch(new RegExp(`Available line magics:\\n.*${name}(\\s|$)`));
    for (const name of ["%%capture", "%%html", "%%markdown", "%%svg"]) expect(listed).toMatch(new RegExp(`Available cell magics:\\n.*${name}(\\s|$)`));
    const help = stdout(await run("%magic"));
    for (const name of ["env", "who", "whos", "reset", "capture", "history", "html", "markdown", "svg"]) expect(help).toContain(`\n%${name}\n`);
    const { reply } = await k.client.execute("%%capture?");
    const page = (reply.content as { payload: { data: Record<string, string> }[] }).payload[0]!.data["text/plain"];
    expect(page).toMatch(/^%%capture \[--no-stdout\] \[--no-stderr\] \[--no-display\] \[NAME\]/);
  });
});

describe("%history", () => {
  let h: TestKernel;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "parallab-history-"));
  const hrun = async (code: string) => (await h.client.execute(code)).outputs;
  beforeAll(async () => {
    h = await startKernel({ dataDir });
    await hrun("const first = 1;"); // 1
    await hrun("const second = 2;"); // 2
    await hrun('"needle" + first'); // 3
    await hrun("const multi = 1;\nconst line = 2;"); // 4
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("-l N prints the last N cells before this one, as they were typed", async () => {
    expect(stdout(await hrun("%history -l 2"))).toBe('"needle" + first\nconst multi = 1;\nconst line = 2;\n'); // 5
  });

  it("-n numbers them as IPython does: right-aligned, a cell of several lines below its number", async () => {
    expect(stdout(await hrun("%history -n -l 3"))).toBe('   3: "needle" + first\n   4:\nconst multi = 1;\nconst line = 2;\n   5: %history -l 2\n'); // 6
  });

  it("-g PATTERN searches every cell, this one too, numbered", async () => {
    expect(stdout(await hrun("%history -g needle"))).toBe('   3: "needle" + first\n   7: %history -g needle\n'); // 7
    // The glob matches its own line too, as in IPython.
    expect(stdout(await hrun("%history -g const s*d"))).toBe("   2: const second = 2;\n   8: %history -g const s*d\n"); // 8
  });

  it("alone prints this session's cells, this one last", async () => {
    const text = stdout(await hrun("%history")); // 9
    expect(text.startsWith("const first = 1;\nconst second = 2;\n")).toBe(true);
    expect(text.endsWith("%history -g const s*d\n%history\n")).toBe(true);
  });

  it("-f FILE writes the history to the file instead", async () => {
    const file = path.join(dataDir, "history.ts");
    const outputs = await hrun(`%history -n -l 2 -f ${file}`); // 10
    expect(stdout(outputs)).toBe("");
    expect(readFileSync(file, "utf8")).toBe("   8: %history -g const s*d\n   9: %history\n");
    expect(stdout(await hrun(`%history -l 1 -f ${file}`))).toBe("Overwriting file.\n"); // 11
    expect(readFileSync(file, "utf8")).toBe(`%history -n -l 2 -f ${file}\n`);
  });

  it("numbers an earlier session's cells SESSION/N", async () => {
    await h.stop();
    h = await startKernel({ dataDir });
    expect(stdout(await hrun("%history -n -l 1"))).toBe(`1/11: %history -l 1 -f ${path.join(dataDir, "history.ts")}\n`);
  });

  it("-o prints each cell's value after it", async () => {
    await hrun("6 * 7");
    expect(stdout(await hrun("%history -o -l 1"))).toBe("6 * 7\n42\n");
  });

  it("-u shows a repeated input once, at its latest run", async () => {
    await hrun("const dup = 1;"); // 4 of this session
    await hrun("const dup = 1;"); // 5
    expect(stdout(await hrun("%history -g -u const dup"))).toBe("   5: const dup = 1;\n   6: %history -g -u const dup\n");
    expect(stdout(await hrun("%history -g const dup"))).toBe("   4: const dup = 1;\n   5: const dup = 1;\n   6: %history -g -u const dup\n   7: %history -g const dup\n");
  });

  it("bad options are UsageErrors", async () => {
    expect(errorOf(await hrun("%history -l many"))?.evalue).toMatch(/option -l needs a whole number/);
    expect(errorOf(await hrun("%history 1-4"))?.evalue).toMatch(/ranges are not supported.*-l N.*-g PATTERN/);
    expect(errorOf(await hrun("%history -f /nonexistent-dir/x/h.txt"))?.evalue).toMatch(/cannot write \/nonexistent-dir\/x\/h\.txt/);
  });
});
