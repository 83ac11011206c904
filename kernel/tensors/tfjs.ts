// Loads TensorFlow.js on first use: a kernel that never touches tensors never pays for it.
import { createRequire } from "node:module";
import { inspect } from "node:util";
import type * as TF from "@tensorflow/tfjs";

const require = createRequire(import.meta.url);

export type Tf = typeof TF;

let tf: Tf | null = null;

/** @tensorflow/tfjs with the wasm backend registered (both plain dependencies). */
export function loadTf(): Tf {
  if (!tf) {
    tf = require("@tensorflow/tfjs") as Tf;
    require("@tensorflow/tfjs-backend-wasm");
    showTensorsByValue(tf);
  }
  return tf;
}

export function tfLoaded(): boolean {
  return tf !== null;
}

/** Loads an optional package from the kernel's own node_modules (where npm put it, if it did). */
export function requireOptional(name: string): unknown {
  return require(name);
}

export function isInstalled(name: string): boolean {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * A tensor as a cell's value shows its dtype, shape and (summarised) values, as numpy's repr
 * does, rather than tfjs's internal fields.
 */
function showTensorsByValue(tf: Tf): void {
  Object.defineProperty(tf.Tensor.prototype, inspect.custom, {
    configurable: true,
    value(this: TF.Tensor) {
      const head = `Tensor ${this.dtype} [${this.shape.join(", ")}]`;
      if (this.isDisposed) return `${head} (disposed)`;
      let text: string;
      try {
        text = this.toString();
      } catch {
        // On webgpu, values not yet read back cannot be read synchronously.
        return `${head} (on the GPU: \`await t.data()\` reads its values)`;
      }
      return `${head}\n${text.split("\n").slice(1).join("\n")}`;
    },
  });
}
