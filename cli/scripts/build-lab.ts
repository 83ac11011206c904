#!/usr/bin/env node
// Pretest step: builds the JupyterLab front end of `parallab lab` (lab/build) when it is out of
// date, so test/jupyterlab.test.ts only serves it. Exit 1 when the build fails.
import { ensureLabBuild, labBuildState } from "../lab-frontend.js";

try {
  const before = labBuildState();
  await ensureLabBuild((line) => console.log(line));
  if (before.built) console.log("build-lab: the JupyterLab front end in lab/build is current.");
} catch (err) {
  console.error(`build-lab: ${(err as Error).message}`);
  process.exitCode = 1;
}
