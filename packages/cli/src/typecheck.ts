import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import type { Diagnostic } from "@wedata-kit/compiler";
import { workFolder } from "./project-files.js";
import { runTypecheck, type Outcome } from "./typecheck-run.js";

/**
 * Type-check the user's pipeline files (and what they import) with TypeScript, reporting TypeScript
 * errors as diagnostics `E_TS<code>`. Uses the project's tsconfig.json when there is one.
 */
export async function typecheckFiles(root: string, files: readonly string[]): Promise<Diagnostic[]> {
  return startTypecheck(root).check(files);
}

/**
 * A type-check started as soon as the project's folder is known, before its files are: when the record of
 * the last clean check is current, nothing is started; otherwise, when the CLI runs built JavaScript, a
 * worker thread starts loading the checker at once, and checks the files when `check` gives them. The
 * caller loads and compiles the pipeline files meanwhile (on two cores, a 10,000-task compile then takes
 * about the longer of the two), and the checker's memory is returned whole when the worker ends. From
 * TypeScript sources (tests), the check runs in process.
 */
export function startTypecheck(root: string): { check(files: readonly string[]): Promise<Diagnostic[]> } {
  const cache = typecheckCache(root);
  if (cache.clean()) return { check: async () => [] };
  const worker = import.meta.url.endsWith(".js") ? startWorker() : undefined;
  return {
    async check(files) {
      const before = cache.buildInfo();
      const { diagnostics, checked, buildInfo } = worker
        ? await worker(root, files, before)
        : await runTypecheck(root, files, before);
      if (diagnostics.length === 0) cache.remember(checked, buildInfo);
      return diagnostics;
    },
  };
}

function startWorker(): (root: string, files: readonly string[], buildInfo?: string) => Promise<Outcome> {
  const started = import("node:worker_threads").then(({ Worker }) => {
    const w = new Worker(new URL("./typecheck-worker.js", import.meta.url));
    const outcome = new Promise<Outcome>((resolve, reject) => {
      w.once("message", (m: Outcome) => resolve(m));
      w.once("error", reject);
      w.once("exit", (code) => {
        if (code !== 0) reject(new Error(`the type-check stopped with exit code ${code}`));
      });
    });
    // Not waited for until the files are given; a failure meanwhile is not an unhandled rejection.
    outcome.catch(() => {});
    // A command that ends before giving the files does not wait for the checker to load.
    w.unref();
    return { w, outcome };
  });
  return async (root, files, buildInfo) => {
    const { w, outcome } = await started;
    w.ref();
    w.postMessage({ root, files: [...files], ...(buildInfo !== undefined && { buildInfo }) });
    return outcome;
  };
}

/** Where the last clean check is recorded (a `.wedata/state/` file, like the read caches). */
const CACHE_FILE = "state/typecheck.json";
/** TypeScript's record of that check (a `.tsbuildinfo`, JSON), for an incremental check next time. */
const BUILD_INFO_FILE = "state/typecheck-build.json";
const CACHE_VERSION = 1;
/** Folders never searched for the project's TypeScript files. */
const SKIPPED = new Set(["node_modules", "dist", "wedata.snapshot", "compiled"]);

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** The project's own TypeScript files: a new one may be imported, so it invalidates the record. */
function projectTsFiles(root: string, dir = root, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || SKIPPED.has(e.name)) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) projectTsFiles(root, path, out);
    else if (e.isFile() && /\.(m|c)?tsx?$/.test(e.name)) out.push(path);
  }
  return out;
}

/**
 * What else decides the outcome: the tsconfig, the installed packages (the lock file, and the version and
 * declarations of the @wedata-kit/dsl the files import), and the checker itself.
 */
function environmentKey(root: string): string {
  // The checker's version: the record of one TypeScript does not vouch for another.
  const checker = createRequire(import.meta.url)("typescript/package.json") as { version: string };
  const parts: string[] = [`v${CACHE_VERSION}`, `typescript:${checker.version}`];
  for (const f of ["tsconfig.json", "package.json", "package-lock.json"]) {
    const p = join(root, f);
    parts.push(`${f}:${existsSync(p) ? sha(readFileSync(p)) : "-"}`);
  }
  for (let dir = root; ; dir = dirname(dir)) {
    const dsl = join(dir, "node_modules", "@wedata-kit", "dsl");
    if (existsSync(dsl)) {
      for (const f of ["package.json", "dist/index.d.ts", "src/index.ts"]) {
        const p = join(dsl, f);
        if (existsSync(p)) parts.push(`dsl/${f}:${statSync(p).mtimeMs}:${statSync(p).size}`);
      }
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return sha(parts.join("\n"));
}

/**
 * The record of the last clean type-check: every file the checker read (the project's and any it imports
 * from outside, libraries aside) by content hash. When nothing it covers changed, the check is skipped:
 * a no-op plan does not pay for loading the TypeScript checker.
 */
function typecheckCache(root: string): {
  clean(): boolean;
  buildInfo(): string | undefined;
  remember(files: readonly string[], buildInfo?: string): void;
} {
  const env = environmentKey(root);
  const fileHash = (p: string) => (existsSync(p) ? sha(readFileSync(p)) : "-");
  return {
    clean() {
      const text = workFolder(root)
        .read(CACHE_FILE, 16 * 1024 * 1024)
        ?.toString("utf8");
      if (!text) return false;
      let record: { v?: number; env?: string; files?: Record<string, string> };
      try {
        record = JSON.parse(text);
      } catch {
        return false;
      }
      if (record.v !== CACHE_VERSION || record.env !== env || !record.files) return false;
      const known = record.files;
      const current = projectTsFiles(root).map((p) => relative(root, p));
      if (current.some((p) => !(p in known))) return false;
      return Object.entries(known).every(([p, h]) => fileHash(join(root, p)) === h);
    },
    /** TypeScript's own record of the last clean check, so a changed project is checked only where it changed. */
    buildInfo() {
      return workFolder(root)
        .read(BUILD_INFO_FILE, 64 * 1024 * 1024)
        ?.toString("utf8");
    },
    remember(files, buildInfo) {
      const record = {
        v: CACHE_VERSION,
        env,
        files: Object.fromEntries(files.map((p) => [relative(root, p), fileHash(p)])),
      };
      const work = workFolder(root);
      // Only after a clean check: TypeScript's record then holds file hashes and no message text.
      if (buildInfo !== undefined) work.write(BUILD_INFO_FILE, buildInfo);
      work.write(CACHE_FILE, `${JSON.stringify(record)}\n`);
    },
  };
}
