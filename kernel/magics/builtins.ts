import { checkMagic } from "./check.js";
import { gpuMagic } from "./gpu.js";
import { lsmagicMagic, magicMagic } from "./lsmagic.js";
import { mpiMagic } from "./mpi.js";
import { profileMagic } from "./profile.js";
import { bashMagic, scriptMagic, shMagic } from "./script.js";
import { skillsMagic } from "./skills.js";
import { sxMagic, systemMagic } from "./system.js";
import { MagicRegistry } from "./registry.js";
import { timeMagic } from "./time.js";
import { timeitMagic } from "./timeit.js";
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
  return registry;
}
