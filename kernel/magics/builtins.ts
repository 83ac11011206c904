import { captureMagic } from "./capture.js";
import { checkMagic } from "./check.js";
import { htmlMagic, markdownMagic, svgMagic } from "./display.js";
import { envMagic } from "./env.js";
import { historyMagic } from "./history.js";
import { gpuMagic } from "./gpu.js";
import { lsmagicMagic, magicMagic } from "./lsmagic.js";
import { mpiMagic } from "./mpi.js";
import { profileMagic } from "./profile.js";
import { bashMagic, scriptMagic, shMagic } from "./script.js";
import { resetMagic } from "./reset.js";
import { skillsMagic } from "./skills.js";
import { sxMagic, systemMagic } from "./system.js";
import { MagicRegistry } from "./registry.js";
import { timeMagic } from "./time.js";
import { timeitMagic } from "./timeit.js";
import { whoMagic, whosMagic } from "./who.js";
import { workersMagic } from "./workers.js";

/** The registry with the kernel's built-in magics; later features register theirs here. */
export function createBuiltinRegistry(): MagicRegistry {
  const registry = new MagicRegistry();
  registry.register(lsmagicMagic(registry));
  registry.register(magicMagic(registry));
  registry.register(timeMagic);
  registry.register(timeitMagic);
  registry.register(workersMagic);
  registry.register(mpiMagic);
  registry.register(gpuMagic);
  registry.register(profileMagic);
  registry.register(checkMagic);
  registry.register(skillsMagic);
  registry.register(systemMagic);
  registry.register(sxMagic);
  registry.register(scriptMagic);
  registry.register(bashMagic);
  registry.register(shMagic);
  registry.register(envMagic);
  registry.register(whoMagic);
  registry.register(whosMagic);
  registry.register(resetMagic);
  registry.register(captureMagic);
  registry.register(historyMagic);
  registry.register(htmlMagic);
  registry.register(markdownMagic);
  registry.register(svgMagic);
  return registry;
}
