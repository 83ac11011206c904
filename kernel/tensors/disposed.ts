// Using a tensor after it was freed must say which tensor, who freed it, and how to keep it.
// tfjs says "Tensor is disposed." from a tensor's own methods and, from an op, fails deeper down
// with "Cannot read properties of undefined (reading 'backend')".
import type { Tf } from "./tfjs.js";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

export class DisposedTensorError extends ParallabError {
  override readonly kind: ErrorKind = "usage";
  override name = "DisposedTensorError";
}

type TensorShape = { shape: number[]; dtype: string; isDisposed: boolean };

/** Tensors freed at the end of %%gpu cells, with the cell (held weakly: they are garbage). */
export class FreedTensors {
  private readonly cells = new WeakMap<object, string>();

  record(tensor: object, cell: string): void {
    this.cells.set(tensor, cell);
  }

  cellOf(tensor: object): string | undefined {
    return this.cells.get(tensor);
  }
}

export function disposedTensorError(tensor: TensorShape, freed: FreedTensors): DisposedTensorError {
  const what = `this ${tensor.dtype} [${tensor.shape.join(", ")}] tensor`;
  const cell = freed.cellOf(tensor);
  if (cell)
    return new DisposedTensorError(
      `${what} was freed at the end of the %%gpu cell ${cell}: a %%gpu cell keeps only the tensors it returns, assigns to notebook variables (top-level const/let) or tf.keep()s. Keep it there with tf.keep(…) or a top-level variable, and run that cell again`,
    );
  return new DisposedTensorError(`${what} was disposed (tf.dispose, .dispose() or tf.tidy freed it): make it again, or keep it with tf.keep(…) where it is made`);
}

/** Installs the clearer error on tensors' methods and on every op's inputs. Idempotent. */
export function installDisposedTensorErrors(tf: Tf, freed: FreedTensors): void {
  const proto = tf.Tensor.prototype as unknown as { throwIfDisposed(): void; __parallabDisposed?: boolean };
  if (proto.__parallabDisposed) return;
  proto.__parallabDisposed = true;
  proto.throwIfDisposed = function (this: TensorShape) {
    if (this.isDisposed) throw disposedTensorError(this, freed);
  };
  const engine = tf.engine() as unknown as { runKernel: (name: string, inputs: Record<string, unknown>, attrs?: unknown) => unknown };
  const runKernel = engine.runKernel;
  engine.runKernel = function (this: unknown, name: string, inputs: Record<string, unknown>, attrs?: unknown) {
    for (const input of Object.values(inputs ?? {})) {
      if (input instanceof tf.Tensor && input.isDisposed) throw disposedTensorError(input as unknown as TensorShape, freed);
      if (Array.isArray(input)) for (const t of input) if (t instanceof tf.Tensor && t.isDisposed) throw disposedTensorError(t as unknown as TensorShape, freed);
    }
    return runKernel.call(this, name, inputs, attrs);
  };
}
