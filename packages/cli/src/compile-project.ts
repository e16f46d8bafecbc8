import { startTypecheck } from "./typecheck.js";
import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, sep } from "node:path";
import { readAheadCodeFiles, worthPreparing } from "./code-files.js";
import {
  compileProject,
  CompileError,
  MAX_CODE_BYTES,
  rememberSecrets,
  type CompiledProject,
  type CompileTarget,
  type Diagnostic,
} from "@wedata-kit/compiler";
import { envSecrets, mentionsUncaptured, type TargetConfig } from "@wedata-kit/dsl";
import {
  findConfig,
  loadConfig,
  loadPipelines,
  LoadError,
  type LoadedConfig,
  type LoadedProject,
} from "./load-project.js";

export interface CompileOptions {
  readonly cwd: string;
  readonly target?: string;
  /** Type-check the pipeline files first (default true). */
  readonly typecheck?: boolean;
  /** Compile these files (absolute paths) instead of the config's `pipelines`. */
  readonly pipelineFiles?: readonly string[];
}

export interface ProjectBuild {
  readonly loaded: LoadedProject;
  readonly targetName: string;
  readonly targetConfig: TargetConfig;
  readonly compiled: CompiledProject;
}

/** A failure of compile with every diagnostic, paths relative to the project root: the compiler's one diagnostics
 * error. */
import { CompileError as BuildError } from "@wedata-kit/compiler";
export { BuildError };

export function relativeDiagnostics(ds: readonly Diagnostic[], root: string): Diagnostic[] {
  return ds.map((d) =>
    isAbsolute(d.loc.file)
      ? { ...d, loc: { file: relative(root, d.loc.file).split(sep).join("/"), line: d.loc.line, column: d.loc.column } }
      : d,
  );
}

let warningSink: (d: Diagnostic) => void = () => {};
/** Where compile warnings go (the CLI prints them to standard error). */
export function onCompileWarning(sink: (d: Diagnostic) => void): void {
  warningSink = sink;
}

/** Load `wedata.config.ts` and pick the target: `--target`, else `defaultTarget`, else the first. */
export async function loadTargetConfig(
  cwd: string,
  target: string | undefined,
): Promise<{ config: LoadedConfig; targetName: string; targetConfig: TargetConfig }> {
  let config: LoadedConfig;
  try {
    config = await loadConfig(cwd);
  } catch (e) {
    if (e instanceof LoadError) throw new BuildError(relativeDiagnostics(e.diagnostics, cwd));
    throw e;
  }
  const names = Object.keys(config.config.targets);
  const targetName = target ?? config.config.defaultTarget ?? names[0]!;
  const targetConfig = config.config.targets[targetName];
  if (!targetConfig) {
    throw new BuildError([
      {
        code: "E_TARGET",
        message: `unknown target "${targetName}"; the config declares ${names.join(", ")}`,
        loc: { file: "wedata.config.ts", line: 1, column: 1 },
        hint: "pass --target with one of those names",
      },
    ]);
  }
  return { config, targetName, targetConfig };
}

/** Load, type-check and compile the project for one target. */
export async function buildProject(opts: CompileOptions): Promise<ProjectBuild> {
  // The checker starts loading now, beside the config's load, when the project's record does not vouch for it.
  const configFile = opts.typecheck === false ? undefined : findConfig(opts.cwd);
  const early = configFile ? startTypecheck(realpathSync(dirname(configFile))) : undefined;
  const loadedTarget = await loadTargetConfig(opts.cwd, opts.target);
  const { targetName, targetConfig } = loadedTarget;
  const config = opts.pipelineFiles
    ? { ...loadedTarget.config, pipelineFiles: opts.pipelineFiles }
    : loadedTarget.config;
  const target: CompileTarget = {
    name: targetName,
    projectId: targetConfig.projectId,
    region: targetConfig.region,
    ...(targetConfig.projectIdentifier !== undefined && { projectIdentifier: targetConfig.projectIdentifier }),
  };
  // The type-check runs beside the load and the compile (on its own thread when built). Its errors come first:
  // they explain most runtime failures of the builders better than the throw does. A missing file is reported
  // by the loader, with its own code.
  const typeErrors =
    opts.typecheck === false
      ? Promise.resolve([])
      : (early ?? startTypecheck(config.root)).check([
          config.configFile,
          ...config.pipelineFiles.filter((f) => existsSync(f) && statSync(f).isFile()),
        ]);
  typeErrors.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
  let built: { loaded: LoadedProject; compiled: CompiledProject } | undefined;
  let failure: unknown;
  try {
    built = await loadAndCompile(config, target);
  } catch (e) {
    failure = e;
  }
  const tsErrors = await typeErrors;
  if (tsErrors.length > 0) throw new BuildError(relativeDiagnostics(tsErrors, config.root));
  if (!built) throw failure;
  const { loaded, compiled } = built;
  for (const w of compiled.warnings) warningSink(w);
  // Secret values declared in parameters are hidden in every rendering, wherever else they appear.
  rememberSecrets([compiled.workflows.map((w) => w.payload), compiled.tasks.map((t) => t.payload)]);
  rememberSecrets(Object.fromEntries([...envSecrets()].map((v, i) => [`env_secret_${i}`, v])));
  rememberSecrets({
    TENCENTCLOUD_SECRET_ID: process.env.TENCENTCLOUD_SECRET_ID,
    TENCENTCLOUD_SECRET_KEY: process.env.TENCENTCLOUD_SECRET_KEY,
    TENCENTCLOUD_SESSION_TOKEN: process.env.TENCENTCLOUD_SESSION_TOKEN,
  });
  return { loaded, targetName, targetConfig, compiled };
}

/**
 * Load and compile, first without the places of builder method calls: capturing a stack per call is most of the
 * cost of loading a large project, and only a diagnostic ever reads such a place. When a diagnostic (error or
 * warning) points at one, the files are loaded and compiled again with them, and that result is the answer: the
 * pipeline files then run twice, which they may (they only declare).
 */
async function loadAndCompile(
  config: LoadedConfig,
  target: CompileTarget,
): Promise<{ loaded: LoadedProject; compiled: CompiledProject }> {
  try {
    const quick = await loadAndCompileOnce(config, target, false);
    if (!quick.compiled.warnings.some(mentionsUncaptured)) return quick;
  } catch (e) {
    if (!(e instanceof BuildError) || !e.diagnostics.some(mentionsUncaptured)) throw e;
  }
  return loadAndCompileOnce(config, target, true);
}

async function loadAndCompileOnce(
  config: LoadedConfig,
  target: CompileTarget,
  methodLocations: boolean,
): Promise<{ loaded: LoadedProject; compiled: CompiledProject }> {
  const files = readAheadCodeFiles(MAX_CODE_BYTES);
  // A large project's reader thread starts now, beside the load, and reads as soon as the compile names the files.
  if (worthPreparing(config.pipelineFiles)) files.prepare();
  try {
    let loaded: LoadedProject;
    try {
      loaded = await loadPipelines(config, target, { methodLocations });
    } catch (e) {
      if (e instanceof LoadError) throw new BuildError(relativeDiagnostics(e.diagnostics, config.root));
      throw e;
    }
    try {
      const compiled = compileProject({
        root: loaded.root,
        modules: loaded.modules,
        target,
        realpath: files.realpath,
        readFile: files.readFile,
        readAhead: files.readAhead,
        ...(loaded.created && { created: loaded.created }),
      });
      return { loaded, compiled };
    } catch (e) {
      if (e instanceof CompileError) throw new BuildError(e.diagnostics);
      throw e;
    }
  } finally {
    files.close();
  }
}
