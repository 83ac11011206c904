// tfjs's wasm backend with the native OpenBLAS addon built, for the native-kernel suites.
// No skips: without gcc or libopenblas-dev the promise rejects with the build's reason.
import type * as TF from "@tensorflow/tfjs";
import { buildNativeBlas } from "../../cli/scripts/build-native.js";

let started: Promise<void> | undefined;

/** Builds the addon and starts the wasm backend, once per test file. */
export function wasmWithNativeBlas(tf: typeof TF): Promise<void> {
  started ??= (async () => {
    const build = buildNativeBlas();
    if (!build.ok) throw new Error(`native BLAS did not build: ${build.reason}`);
    await tf.setBackend("wasm");
    await tf.ready();
  })();
  return started;
}
