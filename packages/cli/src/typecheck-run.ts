/**
 * The type-check itself, apart from its record: TypeScript's native compiler (`tsc` of TypeScript 7, from the
 * `@typescript/typescript-<platform>-<arch>` package installed for this machine) run as a child process on the
 * pipeline files, with the project's compiler options. It checks a 10,000-task project in about a quarter of
 * the time TypeScript 5's compiler took in process, in a third of the memory, and beside the compile.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, parse, relative, resolve } from "node:path";
import type { Diagnostic } from "@wedata-kit/compiler";
import type { OwnedFolder } from "@wedata-kit/files";
import type { ParseError } from "jsonc-parser";
import { workFolder } from "./project-files.js";

export type Outcome = {
  diagnostics: Diagnostic[];
  /** Every file the checker read (libraries aside), when the check was clean. */
  checked: string[];
};

/** The package that holds the compiler for this machine (the `typescript` 7 package's own choice). */
export const NATIVE_TYPESCRIPT = `@typescript/typescript-${process.platform}-${process.arch}`;

/** The native compiler's executable and version, or undefined when its package is not installed. */
export function nativeTypescript(): { exe: string; version: string } | undefined {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`${NATIVE_TYPESCRIPT}/package.json`);
  } catch {
    return undefined;
  }
  const exe = join(dirname(manifest), "lib", process.platform === "win32" ? "tsc.exe" : "tsc");
  if (!existsSync(exe)) return undefined;
  return { exe, version: (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version };
}

/** Compiler options when the project has no tsconfig.json. */
const NO_TSCONFIG_OPTIONS = {
  target: "ES2022",
  module: "ESNext",
  moduleResolution: "Bundler",
  allowImportingTsExtensions: true,
  strict: true,
  skipLibCheck: true,
  types: [],
  // Pipelines run on Node, not in a browser.
  lib: ["ES2023"],
};

/**
 * One check of `files` (and what they import): the diagnostics of the user's own files and of the tsconfig,
 * and, when it is clean, every file the checker read. The project's tsconfig.json gives the options (its own
 * file list does not matter); the checker is handed a generated config in `.wedata/state/` that extends it,
 * so that relative paths, `types` and type roots resolve from inside the project. Nothing else is written: no
 * emit, no incremental record.
 */
export async function runTypecheck(
  root: string,
  files: readonly string[],
  native: { exe: string } | null = nativeTypescript() ?? null,
): Promise<Outcome> {
  const tsconfig = join(root, "tsconfig.json");
  if (!native) {
    return {
      diagnostics: [
        {
          code: "E_TYPECHECK_UNAVAILABLE",
          message:
            `the type-check needs TypeScript's native compiler for ${process.platform}-${process.arch} ` +
            `(${NATIVE_TYPESCRIPT}, an optional dependency of @wedata-kit/cli), and it is not installed`,
          loc: { file: join(root, "package.json"), line: 1, column: 1 },
          hint:
            "reinstall without --omit=optional (npm install), or pass --no-typecheck on a platform TypeScript 7 " +
            "does not support",
        },
      ],
      checked: [],
    };
  }
  const hasTsconfig = existsSync(tsconfig);
  const defaults = hasTsconfig ? await defaultsOfTheProjectsTypescript(native.exe, root, tsconfig) : {};
  const config = {
    ...(hasTsconfig && { extends: tsconfig }),
    compilerOptions: {
      ...(!hasTsconfig && NO_TSCONFIG_OPTIONS),
      ...defaults,
      noEmit: true,
      // Nothing written: no record of the check (`.wedata/state/typecheck.json` is wedata-kit's own).
      incremental: false,
      composite: false,
      // TypeScript 7 takes the directory of the config as the default root of the sources, which is
      // .wedata/state/ here: with an `outDir` it would refuse every pipeline (TS6059). Nothing is emitted.
      rootDir: parse(root).root,
    },
    files: [...files],
    include: [],
  };
  const work = workFolder(root);
  removeOrphanConfigs(root, work);
  // One per process: two commands in one project at once each check their own files.
  const rel = `state/typecheck-${process.pid}.tsconfig.json`;
  work.write(rel, `${JSON.stringify(config, null, 2)}\n`);
  try {
    const { code, out, err } = await run(
      native.exe,
      ["-p", join(root, ".wedata", rel), "--pretty", "false", "--listFiles"],
      root,
    );
    const outcome = parseOutput(root, out, code, err, hasTsconfig ? tsconfig : undefined);
    if (!hasTsconfig || outcome.diagnostics.length > 0) return outcome;
    // The configs it extends are files the check read too: a change to one must run it again.
    const chain = extendedConfigs(tsconfig);
    return { ...outcome, checked: chain ? [...outcome.checked, ...chain.filter((f) => !inPackage(f))] : [] };
  } finally {
    work.remove(rel);
  }
}

/** Where Node would find package `name` from the project: the nearest `node_modules/<name>` up from its root. */
export function installedPackage(root: string, name: string): string | undefined {
  for (let dir = root; ; dir = dirname(dir)) {
    const folder = join(dir, "node_modules", name);
    if (existsSync(folder)) return folder;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The version of the TypeScript the project itself installs (its editor's and its own `tsc`), if any: read
 * afresh (no module cache: a long process sees an update).
 */
export function projectTypescript(root: string): string | undefined {
  const folder = installedPackage(root, "typescript");
  if (!folder) return undefined;
  try {
    const version = (JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as { version?: unknown }).version;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What TypeScript 6 changed in the defaults, as TypeScript 5 had them: a project whose own TypeScript (its
 * editor's and its `tsc`) is 5, or which has none (an editor's own is most likely 5), and whose tsconfig
 * leaves these unset, is checked with them, not with TypeScript 7's, which would report errors nothing else
 * in the project reports: not strict, every installed `@types` package, side-effect imports unchecked, and
 * `baseUrl` (which TypeScript 7 refuses) resolved as it was.
 */
const TYPESCRIPT_5_DEFAULTS: Readonly<Record<string, unknown>> = {
  strict: false,
  types: ["*"],
  noUncheckedSideEffectImports: false,
};

/** The options of `TYPESCRIPT_5_DEFAULTS` the project's tsconfig leaves unset, when its TypeScript is 5. */
async function defaultsOfTheProjectsTypescript(
  exe: string,
  root: string,
  tsconfig: string,
): Promise<Record<string, unknown>> {
  const version = projectTypescript(root);
  if (version !== undefined && Number(version.split(".")[0]) >= 6) return {};
  // The options after every `extends`, as the compiler resolves them (a broken tsconfig is reported by the check).
  const shown = await run(exe, ["-p", tsconfig, "--showConfig"], root);
  if (shown.code !== 0) return {};
  let set: Record<string, unknown>;
  try {
    set = (JSON.parse(shown.out) as { compilerOptions?: Record<string, unknown> }).compilerOptions ?? {};
  } catch {
    return {};
  }
  const options = Object.fromEntries(Object.entries(TYPESCRIPT_5_DEFAULTS).filter(([option]) => !(option in set)));
  return { ...options, ...withoutBaseUrl(root, set) };
}

/**
 * TypeScript 7 removed `baseUrl`, which TypeScript 5 projects use widely: there, bare imports resolved
 * against it first, and `paths` targets were relative to it. The same resolution without it: every
 * `paths` target made absolute from the base, and `*` mapped to the base (TypeScript's own advice), with
 * `baseUrl` unset in the generated config. (`--showConfig` gives `baseUrl` relative to the project.)
 */
function withoutBaseUrl(root: string, set: Record<string, unknown>): Record<string, unknown> {
  if (typeof set.baseUrl !== "string") return {};
  const base = resolve(root, set.baseUrl);
  const declared = set.paths && typeof set.paths === "object" ? (set.paths as Record<string, unknown>) : {};
  const paths: Record<string, string[]> = {};
  for (const [pattern, targets] of Object.entries(declared))
    if (Array.isArray(targets)) paths[pattern] = targets.map((t) => resolve(base, String(t)));
  paths["*"] ??= [join(base, "*")];
  return { baseUrl: null, paths };
}

/** The JSON-with-comments parser, loaded when a clean check is recorded (not on every command's start). */
const jsonc = () => createRequire(import.meta.url)("jsonc-parser") as typeof import("jsonc-parser");

/**
 * The config files a tsconfig extends, its own and theirs, in the project or beside it (a package's are
 * covered by the lock file, so not followed). Undefined when a link of the chain cannot be read or parsed:
 * the check is then not recorded as clean.
 */
export function extendedConfigs(tsconfig: string): string[] | undefined {
  const found: string[] = [];
  const visit = (file: string): boolean => {
    if (found.length > 50) return false;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return false;
    }
    const errors: ParseError[] = [];
    const json = jsonc().parse(text, errors, { allowTrailingComma: true }) as { extends?: unknown } | undefined;
    if (errors.length > 0 || !json || typeof json !== "object") return false;
    const bases = json.extends === undefined ? [] : Array.isArray(json.extends) ? json.extends : [json.extends];
    for (const base of bases) {
      if (typeof base !== "string") return false;
      if (!base.startsWith(".") && !isAbsolute(base)) continue;
      const path = resolve(dirname(file), base);
      const next = existsSync(path) || !existsSync(`${path}.json`) ? path : `${path}.json`;
      found.push(next);
      if (!visit(next)) return false;
    }
    return true;
  };
  return visit(tsconfig) ? found : undefined;
}

/** A generated config whose process is gone (killed before it could remove it): removed. */
function removeOrphanConfigs(root: string, work: OwnedFolder): void {
  let names: string[];
  try {
    names = readdirSync(join(root, ".wedata", "state"));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^typecheck-(\d+)\.tsconfig\.json$/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) work.remove(`state/${name}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Run the compiler to its end, collecting what it prints; it is stopped if this process exits first. */
function run(exe: string, args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done, fail) => {
    const child = spawn(exe, args, { cwd, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    const stop = () => child.kill();
    process.once("exit", stop);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.once("error", (e) => {
      process.removeListener("exit", stop);
      fail(e);
    });
    child.once("close", (code) => {
      process.removeListener("exit", stop);
      done({ code, out: Buffer.concat(out).toString("utf8"), err: Buffer.concat(err).toString("utf8") });
    });
  });
}

/** A file of an installed package (whatever the platform's separator). */
const inPackage = (file: string) => file.split(/[\\/]/).includes("node_modules");

/** The user's own file: inside the project, not in an installed package. */
function ownFile(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) && !inPackage(rel);
}

const AT_FILE = /^(.+)\((\d+),(\d+)\): error TS(\d+): (.*)$/;
const GLOBAL = /^error TS(\d+): (.*)$/;

/**
 * `tsc --pretty false --listFiles` output: one line per diagnostic (`file(line,col): error TS<code>: text`,
 * its further lines indented), then the path of every file read. Only the user's files are reported (and a
 * tsconfig's own errors): libraries are checked by their own builds.
 */
export function parseOutput(
  root: string,
  out: string,
  code: number | null,
  err: string,
  tsconfig: string | undefined,
): Outcome {
  const diagnostics: Diagnostic[] = [];
  const read: string[] = [];
  let errors = 0;
  // A tsconfig error's further lines say what to write instead: they become its hint.
  let configAdvice: string[] | undefined;
  let relocated = false;
  const advise = () => {
    if (relocated) configAdvice = configAdvice?.map((l) => l.replaceAll("../../", "./"));
    const last = diagnostics[diagnostics.length - 1];
    if (last && configAdvice?.length)
      diagnostics[diagnostics.length - 1] = { ...last, hint: `${configAdvice.join(" ")} (${last.hint})` };
    configAdvice = undefined;
  };
  for (const line of out.split(/\r?\n/)) {
    if (line && /^\s/.test(line)) {
      configAdvice?.push(line.trim());
      continue;
    }
    advise();
    if (!line) continue;
    const at = AT_FILE.exec(line);
    const global = at ? undefined : GLOBAL.exec(line);
    if (at) {
      errors++;
      let file = resolve(root, at[1]!);
      const isConfig = file.endsWith(".json");
      if (!isConfig && !ownFile(root, file)) continue;
      // An option of the project's tsconfig is reported at the generated config that extends it (whose
      // paths are relative to .wedata/state/): it is the project's, and so are the paths of its advice.
      const generated = isConfig && dirname(file) === join(root, ".wedata", "state");
      if (generated) file = tsconfig ?? join(root, "package.json");
      relocated = generated;
      diagnostics.push({
        code: `E_TS${at[4]}`,
        message: at[5]!,
        loc: { file, line: generated ? 1 : Number(at[2]), column: generated ? 1 : Number(at[3]) },
        hint: isConfig
          ? "fix the tsconfig; the type-check reads its compiler options"
          : "fix the TypeScript error; the builder API is fully typed",
      });
      if (isConfig) configAdvice = [];
    } else if (global) {
      errors++;
      diagnostics.push({
        code: `E_TS${global[1]}`,
        message: global[2]!,
        loc: { file: tsconfig ?? join(root, "package.json"), line: 1, column: 1 },
        hint: "fix tsconfig.json; the type-check reads its compiler options",
      });
    } else read.push(resolve(root, line));
  }
  advise();
  if (code !== 0 && errors === 0) {
    const said = (err || out).trim().split(/\r?\n/).slice(0, 5).join("\n");
    throw new Error(`the type-check stopped (exit ${code ?? "by a signal"}) without a diagnostic: ${said}`);
  }
  const checked = diagnostics.length === 0 ? read.filter((p) => !inPackage(p)) : [];
  return { diagnostics, checked };
}
