// The JupyterLab 3.6 application of `parallab lab`: the plugins of build/plugins.js (generated
// from package.json by webpack.config.js) on the page that lab/serve.py renders.
import { JupyterLab } from "@jupyterlab/application";
import "./build/style.js";
import { extensions, mimeExtensions } from "./build/plugins.js";

// Plugins whose server side is the `jupyterlab` Python package, which this app doesn't have
// (lab/serve.py runs jupyterlab_server alone): the news feed would only ask and then 404.
const SKIPPED = new Set(["@jupyterlab/apputils-extension:announcements"]);

/** A module's plugins: its default export, one plugin or an array of them. */
function pluginsOf(module) {
  const exported = module.default ?? module;
  return Array.isArray(exported) ? exported : [exported];
}

async function main() {
  const lab = new JupyterLab({ mimeExtensions: mimeExtensions.map((m) => m.default ?? m) });
  lab.registerPlugins(extensions.flatMap(pluginsOf).filter((p) => !SKIPPED.has(p.id)));
  await lab.start();
  await lab.restored;
  // A marker for scripts and tests: the shell is restored and ready for commands.
  document.body.dataset.parallabLab = "ready";
}

main().catch((err) => {
  console.error("JupyterLab failed to start", err);
  document.body.textContent = `JupyterLab failed to start: ${err}`;
});
