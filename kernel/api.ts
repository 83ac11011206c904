// The "parallab" module as notebooks (and Node programs) import it.
export { display, html, markdown, image, plot, clearOutput, input, DisplayHandle, MIME_BUNDLE } from "./display/api.js";
export type { DisplayOptions, Displayable, PlotTrace, PlotOptions } from "./display/api.js";
export { parallel, ParallelScopeError, type ParallelOptions } from "./pool/parallel.js";
export type { Comm } from "./pool/comm.js";
export type { MpiComm } from "./mpi/comm.js";
export type { ReduceOp, SpmdComm } from "./spmd/comm.js";
export { tf } from "./tensors/lazy-tf.js";
export { skillsFramework } from "./skills-framework.js";
export type { Framework, Role, CatalogueItem, Competency, CurriculumNotebook, Level } from "../tracker/framework/types.js";
