// `node build.js`: runs rspack with rspack.config.js (what `parallab lab` runs on first use, through
// cli/lab-frontend.ts). Exit 1 on errors; warnings are printed and allowed.
const { rspack } = require("@rspack/core");

const started = Date.now();
rspack(require("./rspack.config.js"), (err, stats) => {
  if (err) {
    console.error(err.stack || String(err));
    process.exit(1);
  }
  if (stats.hasErrors() || stats.hasWarnings()) console.error(stats.toString({ preset: "errors-warnings", colors: false }));
  if (stats.hasErrors()) process.exit(1);
  console.error(`rspack: built lab/build in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
