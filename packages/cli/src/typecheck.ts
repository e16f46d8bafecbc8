import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { Diagnostic } from "@wedata-kit/compiler";
import { workFolder } from "./project-files.js";
import { installedPackage, nativeTypescript, projectTypescript, runTypecheck } from "./typecheck-run.js";

/**
 * Type-check the user's pipeline files (and what they import) with TypeScript, reporting TypeScript
 * errors as diagnostics `E_TS<code>`. Uses the project's tsconfig.json when there is one.
 */
export async function typecheckFiles(root: string, files: readonly string[]): Promise<Diagnostic[]> {
  return startTypecheck(root).check(files);
}

/**
 * A type-check started as soon as the project's folder is known, before its files are: when the record of
 * the last clean check is current, nothing is started; otherwise the checker (a child process) checks the
 * files when `check` gives them, while the caller loads and compiles the pipeline files.
 */
export function startTypecheck(root: string): { check(files: readonly string[]): Promise<Diagnostic[]> } {
  const cache = typecheckCache(root);
  if (cache.clean()) return { check: async () => [] };
  return {
    async check(files) {
      const { diagnostics, checked } = await runTypecheck(root, files);
      if (diagnostics.length === 0) cache.remember(checked);
      return diagnostics;
    },
  };
}

/** Where the last clean check is recorded (a `.wedata/state/` file, like the read caches). */
const CACHE_FILE = "state/typecheck.json";
const CACHE_VERSION = 2;
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
  // And the project's own TypeScript, whose defaults the check follows where the tsconfig says nothing.
  const parts: string[] = [
    `v${CACHE_VERSION}`,
    `typescript:${nativeTypescript()?.version ?? "-"}`,
    `project-typescript:${projectTypescript(root) ?? "-"}`,
  ];
  for (const f of ["tsconfig.json", "package.json", "package-lock.json"]) {
    const p = join(root, f);
    parts.push(`${f}:${existsSync(p) ? sha(readFileSync(p)) : "-"}`);
  }
  const dsl = installedPackage(root, "@wedata-kit/dsl");
  if (dsl) {
    for (const f of ["package.json", "dist/index.d.ts", "src/index.ts"]) {
      const p = join(dsl, f);
      if (existsSync(p)) parts.push(`dsl/${f}:${statSync(p).mtimeMs}:${statSync(p).size}`);
    }
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
  remember(files: readonly string[]): void;
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
    remember(files) {
      const record = {
        v: CACHE_VERSION,
        env,
        files: Object.fromEntries(files.map((p) => [relative(root, p), fileHash(p)])),
      };
      workFolder(root).write(CACHE_FILE, `${JSON.stringify(record)}\n`);
    },
  };
}
