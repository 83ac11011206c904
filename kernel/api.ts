// The "parallab" module as Node programs import it, and the types cells see. Cells in a kernel get
// the same names bound to their session (kernel/parallab-module.ts): outside a kernel, displays
// print their text.
export * from "./api-core.js";
export { skillsFramework } from "./skills-framework.js";
export type { Framework, Role, CatalogueItem, Competency, CurriculumNotebook, Level } from "../tracker/framework/types.js";
