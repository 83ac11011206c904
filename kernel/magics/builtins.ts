import { checkMagic } from "./check.js";
import { gpuMagic } from "./gpu.js";
import { lsmagicMagic, magicMagic } from "./lsmagic.js";
import { mpiMagic } from "./mpi.js";
import { npmMagic } from "./npm.js";
import { profileMagic } from "./profile.js";
import { skillsMagic } from "./skills.js";
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
  registry.register(npmMagic);
  return registry;
}
