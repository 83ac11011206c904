// The JupyterLab 4 application of `parallab lab`: the plugins of build/plugins.js (generated from
// package.json by rspack.config.js) on the page that lab/serve.py renders. It starts the way
// JupyterLab 4.6's own dev_mode/index.js does: the plugins go into a registry first, the service
// manager and connection status come from @jupyterlab/services-extension's plugins, then the app.
import { JupyterLab } from "@jupyterlab/application";
import { IConnectionStatus, IServiceManager } from "@jupyterlab/services";
import { PluginRegistry } from "@lumino/coreutils";
import "./build/style.js";
import { extensions, mimeExtensions } from "./build/plugins.js";

// Plugins left out, by id:
const SKIPPED = new Set([
  // The news and update check asks /lab/api/news, which only the `jupyterlab` Python package
  // serves (lab/serve.py runs jupyterlab_server alone): it would ask, 404 and log an error.
  "@jupyterlab/apputils-extension:announcements",
]);
// ...and by id's ending: the language-server bridges need @jupyterlab/lsp-extension and a
// jupyter-lsp server, neither of which this app has (JupyterLab's examples/app leaves them out too).
const SKIPPED_SUFFIXES = [":language-server"];
const skipped = (id) => SKIPPED.has(id) || SKIPPED_SUFFIXES.some((s) => id.endsWith(s));

/** A module's plugins: its default export, one plugin or an array of them. */
function pluginsOf([, module]) {
  const exported = module.default ?? module;
  return Array.isArray(exported) ? exported : [exported];
}

async function main() {
  const pluginRegistry = new PluginRegistry();
  pluginRegistry.registerPlugins(extensions.flatMap(pluginsOf).filter((p) => !skipped(p.id)));
  const serviceManager = await pluginRegistry.resolveRequiredService(IServiceManager);
  const connectionStatus = await pluginRegistry.resolveOptionalService(IConnectionStatus);
  const lab = new JupyterLab({ pluginRegistry, serviceManager, connectionStatus, mimeExtensions: mimeExtensions.flatMap(pluginsOf) });
  // For scripts and tests (JupyterLab's own `exposeAppInBrowser`): which plugins are active.
  window.jupyterapp = lab;
  await lab.start({ bubblingKeydown: true });
  await lab.restored;
  // A marker for scripts and tests: the shell is restored and ready for commands.
  document.body.dataset.parallabLab = "ready";
}

main().catch((err) => {
  console.error("JupyterLab failed to start", err);
  document.body.textContent = `JupyterLab failed to start: ${err}`;
});
