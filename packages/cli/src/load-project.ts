import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  CURRENT_TARGET,
  type CurrentTarget,
  DslError,
  must,
  SKIP_METHOD_LOCATIONS,
  type ProjectConfig,
  type SourceLocation,
  TARGET_VALUES,
  type TargetValue,
} from "@wedata-kit/dsl";
import type { Diagnostic, LoadedModule } from "@wedata-kit/compiler";
import { z } from "zod";

export const CONFIG_FILE = "wedata.config.ts";

export interface LoadedProject {
  readonly root: string;
  readonly configFile: string;
  readonly config: ProjectConfig;
  readonly modules: readonly LoadedModule[];
  readonly pipelineFiles: readonly string[];
  /** Every task() call made while the pipeline files loaded. */
  readonly created?: ReadonlyArray<{ readonly name: string; readonly origin: SourceLocation }>;
  /** The values byTarget() chose while the pipeline files loaded (locations absolute). */
  readonly targetValues?: readonly TargetValue[];
}

/** The project cannot be loaded at all: the compiler's one diagnostics error (CompileError). */
import { CompileError as LoadError } from "@wedata-kit/compiler";
export { LoadError };

const TargetSchema = z.strictObject({
  projectId: z.string().regex(/^\d{1,20}$/, "projectId is the numeric ProjectId (at most 20 digits), as a string"),
  region: z.string().regex(/^[a-z]+-[a-z]+(-\d+)?$/, 'region like "ap-guangzhou"'),
  endpoint: z.string().url().optional(),
  projectIdentifier: z.string().optional(),
});
const ConfigSchema = z.strictObject({
  // The ownership mark on everything the project deploys: never empty.
  name: z
    .string()
    .min(1, "name is the ownership mark of everything this project deploys; it cannot be empty")
    .max(100)
    .regex(/^[\p{L}\p{N}_-]+$/u, 'name may hold letters, digits, "_" and "-" only')
    .optional(),
  // Empty is allowed: a project about to be filled by `wedata import`.
  pipelines: z.array(z.string().min(1, "a pipeline path cannot be empty")),
  targets: z
    .record(z.string(), TargetSchema)
    .refine((t) => Object.keys(t).length > 0, "declare at least one target")
    .superRefine((t, ctx) => {
      for (const name of Object.keys(t)) {
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
          ctx.addIssue({
            code: "custom",
            path: [name],
            message:
              `target names may hold letters, digits, "_" and "-" only (they name files and flags); got ` +
              `${JSON.stringify(name.slice(0, 80))}`,
          });
      }
    }),
  defaultTarget: z.string().optional(),
});

/** Find `wedata.config.ts` in `cwd` or a parent folder. */
export function findConfig(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const f = join(dir, CONFIG_FILE);
    if (existsSync(f)) return f;
    if (dirname(dir) === dir) return undefined;
  }
}

let generation = 0;

/** A user module that called `process.exit()` while it was being loaded. */
class ExitDuringLoad extends Error {
  constructor(readonly exitCode: unknown) {
    super(`it called process.exit(${exitCode === undefined ? "" : String(exitCode)}) while loading`);
  }
}

/** Run `f` with `dir` as the working directory (pipeline code may read files relative to the project). */
async function inFolder<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  let moved = false;
  try {
    process.chdir(dir);
    moved = true;
  } catch {
    // Worker threads cannot change directory; the code then sees the caller's.
  }
  try {
    return await f();
  } finally {
    if (moved) process.chdir(before);
  }
}

/** Tasks created while pipeline files load, for the warning about tasks placed in no workflow. */
export const CREATED_TASKS = Symbol.for("wedata-kit.created-tasks");

let loaderReady: Promise<void> | undefined;

/**
 * tsx's loader, registered once and only when the user's files are about to load: the CLI itself is plain
 * JavaScript. Registered for both module systems, so a pipeline package that is ESM or CommonJS loads alike,
 * and with `register()` rather than `tsImport()`, so the user's files share this process's `@wedata-kit/dsl`.
 */
function typeScriptLoader(): Promise<void> {
  loaderReady ??= Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]).then(([esm, cjs]) => {
    esm.register();
    cjs.register();
  });
  return loaderReady;
}

/**
 * Run `load` with exiting refused: a module that exits while loading would end the whole command (exit 0,
 * nothing done, nothing said), so `process.exit()` throws at the call instead, and is reported there.
 */
async function refusingExit<T>(load: () => Promise<T>): Promise<T> {
  const exit = process.exit;
  process.exit = ((c?: unknown) => {
    throw new ExitDuringLoad(c);
  }) as typeof process.exit;
  try {
    return await load();
  } finally {
    process.exit = exit;
  }
}

async function importFresh(file: string): Promise<Record<string, unknown>> {
  await typeScriptLoader();
  // A query makes repeated loads in one process (watch, tests) see edited files.
  const ns = (await import(`${pathToFileURL(file).href}?v=${++generation}`)) as Record<string, unknown>;
  // In a CommonJS package the file is compiled to CommonJS: its exports object (marked __esModule) arrives
  // as the namespace's default; its own `default` is then the file's `export default`.
  const cjs = ns.default as Record<string, unknown> | undefined;
  return cjs && typeof cjs === "object" && cjs.__esModule === true ? { ...cjs } : ns;
}

function loadFailure(e: unknown, file: string, root: string): Diagnostic {
  if (e instanceof DslError || (e instanceof Error && e.name === "DslError")) {
    const d = e as DslError;
    return { code: d.code, message: d.message, loc: d.loc, ...(d.hint && { hint: d.hint }) };
  }
  const err = e as Error;
  const frame = (err?.stack ?? "")
    .split("\n")
    .map((l) => /\((?:file:\/\/)?([^()]+):(\d+):(\d+)\)$|at (?:file:\/\/)?([^\s()]+):(\d+):(\d+)$/.exec(l.trim()))
    .find((m) => m && (m[1] ?? m[4])?.startsWith(root) && !(m[1] ?? m[4])!.includes("node_modules"));
  const loc = frame
    ? {
        file: (frame[1] ?? frame[4])!.replace(/\?.*$/, ""),
        line: Number(frame[2] ?? frame[5]),
        column: Number(frame[3] ?? frame[6]),
      }
    : { file, line: 1, column: 1 };
  const isConfig = file.endsWith(CONFIG_FILE);
  if (e instanceof ExitDuringLoad) {
    return {
      code: "E_LOAD",
      message: `loading ${file} failed: ${err.message}`,
      loc,
      hint: `a ${isConfig ? "config" : "pipeline"} file must only declare things; remove the process.exit() call`,
    };
  }
  return {
    code: "E_LOAD",
    message: `loading ${isConfig ? "the config" : "pipeline"} ${file} failed: ${err?.message ?? String(e)}`,
    loc,
    hint: isConfig
      ? `fix the error in ${CONFIG_FILE}`
      : "fix the error in the pipeline file; it must import without side effects",
  };
}

export type LoadedConfig = Omit<LoadedProject, "modules" | "created" | "targetValues">;

/** Load the config and every pipeline module it lists. Only the CLI runs user code. */
export async function loadProject(cwd: string): Promise<LoadedProject> {
  return loadPipelines(await loadConfig(cwd));
}

/** Load and check `wedata.config.ts`, without importing the pipeline files yet. */
export async function loadConfig(cwd: string): Promise<LoadedConfig> {
  const configFile = findConfig(cwd);
  if (!configFile) {
    throw new LoadError([
      {
        code: "E_NO_CONFIG",
        message: `no ${CONFIG_FILE} in ${cwd} or its parents`,
        loc: { file: join(cwd, CONFIG_FILE), line: 1, column: 1 },
        hint: "create one with defineConfig({ pipelines, targets }), or pass --cwd",
      },
    ]);
  }
  const root = realpathSync(dirname(configFile));
  let raw: unknown;
  try {
    raw = (await inFolder(root, () => refusingExit(() => importFresh(configFile)))).default;
  } catch (e) {
    throw new LoadError([loadFailure(e, configFile, root)]);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new LoadError(
      parsed.error.issues.map((i) => ({
        code: "E_CONFIG",
        message: `${CONFIG_FILE}: ${i.path.join(".") || "default export"}: ${i.message}`,
        loc: { file: configFile, line: 1, column: 1 },
        hint: "export default defineConfig({ pipelines: [...], targets: { name: { projectId, region } } })",
      })),
    );
  }
  const config = parsed.data as ProjectConfig;
  if (config.defaultTarget && !config.targets[config.defaultTarget]) {
    throw new LoadError([
      {
        code: "E_CONFIG",
        message:
          `defaultTarget "${config.defaultTarget}" is not one of the targets ` +
          `(${Object.keys(config.targets).join(", ")})`,
        loc: { file: configFile, line: 1, column: 1 },
      },
    ]);
  }
  const pipelineFiles = config.pipelines.map((p) => resolve(root, p));
  const twice = pipelineFiles.filter((f, i) => pipelineFiles.indexOf(f) !== i);
  if (twice.length > 0) {
    throw new LoadError([
      {
        code: "E_CONFIG",
        message:
          `${CONFIG_FILE}: pipelines lists ${[...new Set(twice)].map((f) => relative(root, f)).join(", ")} ` +
          `more than once`,
        loc: { file: configFile, line: 1, column: 1 },
        hint: "list each pipeline file once",
      },
    ]);
  }
  return { root, configFile, config, pipelineFiles };
}

/**
 * Import every pipeline module of a loaded config, compiling for `target` (what byTarget() reads). With
 * `methodLocations: false` builder methods do not capture where they were called (see `SKIP_METHOD_LOCATIONS`
 * of the DSL): a diagnostic may then point at `NOT_CAPTURED`, and the caller loads again with them.
 */
export async function loadPipelines(
  loaded: LoadedConfig,
  target?: Omit<CurrentTarget, "declared">,
  { methodLocations = true }: { methodLocations?: boolean } = {},
): Promise<LoadedProject> {
  // Every task() call while the files load: the compiler warns about tasks placed in no workflow.
  const created: Array<{ name: string; origin: SourceLocation }> = [];
  const targetValues: TargetValue[] = [];
  const g = globalThis as {
    [CREATED_TASKS]?: unknown;
    [CURRENT_TARGET]?: CurrentTarget;
    [TARGET_VALUES]?: unknown;
    [SKIP_METHOD_LOCATIONS]?: unknown;
  };
  g[CREATED_TASKS] = created;
  if (!methodLocations) g[SKIP_METHOD_LOCATIONS] = true;
  if (target) g[CURRENT_TARGET] = { ...target, declared: Object.keys(loaded.config.targets) };
  g[TARGET_VALUES] = targetValues;
  try {
    const modules = await importPipelines(loaded);
    targetValues.sort((a, b) => byPlace(a.loc, b.loc));
    return { ...loaded, modules, created, targetValues };
  } finally {
    delete g[CREATED_TASKS];
    delete g[CURRENT_TARGET];
    delete g[TARGET_VALUES];
    delete g[SKIP_METHOD_LOCATIONS];
  }
}

const byPlace = (a: SourceLocation, b: SourceLocation) =>
  a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;

async function importPipelines({ root, configFile, pipelineFiles }: LoadedConfig): Promise<LoadedModule[]> {
  // Per listed file, in the config's order: what is wrong with it, or undefined when it is there to import.
  const listed: Array<Diagnostic | undefined> = [];
  for (const file of pipelineFiles) {
    if (!existsSync(file)) {
      listed.push({
        code: "E_NO_PIPELINE",
        message: `pipeline file ${file} listed in ${CONFIG_FILE} does not exist`,
        loc: { file: configFile, line: 1, column: 1 },
        hint: "fix the path in pipelines: [...] (relative to the config file)",
      });
      continue;
    }
    if (!statSync(file).isFile()) {
      listed.push({
        code: "E_NO_PIPELINE",
        message:
          `${relative(root, file)} listed in pipelines of ${CONFIG_FILE} is ` +
          `${statSync(file).isDirectory() ? "a folder" : "not a regular file"}`,
        loc: { file: configFile, line: 1, column: 1 },
        hint: 'list the pipeline .ts files themselves, e.g. "pipelines/daily.ts"',
      });
      continue;
    }
    listed.push(undefined);
  }
  const present = pipelineFiles.filter((_, i) => listed[i] === undefined);
  // Every file's import starts at once: the loader's thread resolves and transforms the next files while this
  // one runs the code of the first (one after another, each waited on the loader in turn: a third of loading
  // 10,000 tasks in 50 files). Each file still runs once and whole, but the order the files run in can differ
  // between runs, so nothing is taken from that order (the values byTarget() chose are sorted by place).
  const settled = await inFolder(root, () =>
    refusingExit(async () => {
      await typeScriptLoader();
      return Promise.allSettled(present.map((file) => importFresh(file)));
    }),
  );
  const modules: LoadedModule[] = [];
  const diagnostics: Diagnostic[] = [];
  let next = 0;
  for (const [i, file] of pipelineFiles.entries()) {
    const wrong = listed[i];
    if (wrong) {
      diagnostics.push(wrong);
      continue;
    }
    const r = must(settled[next++], "import result");
    if (r.status === "fulfilled") modules.push({ file, exports: r.value });
    else diagnostics.push(loadFailure(r.reason, file, root));
  }
  if (diagnostics.length > 0) throw new LoadError(diagnostics);
  return modules;
}
