/**
 * One measurement in a fresh process, so peak RSS belongs to it alone. Plain JavaScript run by plain Node, as the
 * `wedata` command is: its time includes registering the TypeScript loader once, as the command's does (run under
 * a loader of its own, the pipeline files would go through two). Prints one JSON line.
 *   compile <dir> <out>: load, compile (no type-check) and write the payloads, as `wedata compile --no-typecheck --out`
 *   typecheck <dir>:     the type-check `wedata compile` runs first
 * (The floor they are compared with is `bench/floor.mjs`, plain JavaScript run by plain Node.)
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { renderOutput } from "@wedata-kit/compiler";

// The built modules, as the `wedata` command runs them (`npm run build` first).
/** @param {string} rel */
const built = (rel) =>
  import(pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "..", "packages", "cli", "dist", rel)).href);
const { buildProject } = await built("compile-project.js");
const { typecheckFiles } = await built("typecheck.js");

const [mode, dir, out] = process.argv.slice(2);
const t0 = performance.now();
let count = 0;
if (mode === "compile") {
  const build = await buildProject({ cwd: dir, typecheck: false });
  // Each folder made once, as the floor does (and as `wedata compile --out` does).
  const made = new Set();
  for (const [rel, content] of renderOutput(build.compiled)) {
    const folder = dirname(join(out, rel));
    if (!made.has(folder)) mkdirSync(folder, { recursive: true });
    made.add(folder);
    writeFileSync(join(out, rel), content);
  }
  count = build.compiled.tasks.length;
} else if (mode === "typecheck") {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
  const errors = await typecheckFiles(dir, files);
  if (errors.length) throw new Error(`${errors.length} type errors`);
  count = files.length;
}
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ mode, count, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
