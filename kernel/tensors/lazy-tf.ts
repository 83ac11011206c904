// `tf` as "parallab" exports it: TensorFlow.js, loaded when a cell first touches it.
import { loadTf, type Tf } from "./tfjs.js";

export const tf: Tf = new Proxy({} as Tf, {
  get: (_target, property) => Reflect.get(loadTf(), property),
  has: (_target, property) => Reflect.has(loadTf(), property),
  ownKeys: () => Reflect.ownKeys(loadTf()),
  getOwnPropertyDescriptor: (_target, property) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(loadTf(), property);
    // A proxy may only report configurable properties its (empty) target lacks.
    return descriptor ? { ...descriptor, configurable: true } : undefined;
  },
});
