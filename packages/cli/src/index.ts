export { main, type Io } from "./main.js";
export { buildProject, BuildError, type CompileOptions, type ProjectBuild } from "./compile-project.js";
export { connectTarget, type Connection } from "./connect.js";
export { loadProject, loadConfig, findConfig, CONFIG_FILE } from "./load-project.js";
