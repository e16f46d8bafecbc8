import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Seeded pseudo-random numbers in [0, 1) (Park and Miller's generator): generated tests repeat exactly. */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}
export const examplesDir = join(repoRoot, "examples");

/** A throwaway project folder with `@wedata-kit/dsl` resolvable, removed by the returned cleanup. */
export function tempProject(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "wedata-kit-"));
  mkdirSync(join(dir, "node_modules", "@wedata-kit"), { recursive: true });
  symlinkSync(join(repoRoot, "packages", "dsl"), join(dir, "node_modules", "@wedata-kit", "dsl"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const CONFIG = `import { defineConfig } from "@wedata-kit/dsl";
export default defineConfig({
  pipelines: ["pipeline.ts"],
  targets: { dev: { projectId: "2378393617299558400", region: "ap-guangzhou" } },
});
`;

/** A copy of an example project that a test may edit, without its local state or golden output. */
export function copyExample(name: string): { dir: string; cleanup: () => void } {
  const p = tempProject({});
  cpSync(join(examplesDir, name), p.dir, {
    recursive: true,
    filter: (src) => !src.includes(".wedata") && !src.includes("/compiled"),
  });
  return p;
}
