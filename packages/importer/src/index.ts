export {
  generateImport,
  type GeneratedImport,
  type LossyField,
  type SourceTask,
  type SourceWorkflow,
} from "./generate.js";
export { fileBase, variableName } from "./names.js";
export { importDifferences } from "./prove.js";
