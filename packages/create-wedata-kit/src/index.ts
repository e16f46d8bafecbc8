export {
  DEFAULT_REGION,
  PLACEHOLDER_DEV_PROJECT,
  PLACEHOLDER_PROD_PROJECT,
  PROJECT_DEPENDENCIES,
  projectName,
  scaffold,
  ScaffoldError,
  type ScaffoldOptions,
  type ScaffoldResult,
} from "./scaffold.js";
export { type Answers, askMissing, createMain, printNextSteps, type Prompt, scaffoldAsked } from "./cli.js";
