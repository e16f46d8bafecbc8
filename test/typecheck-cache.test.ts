/** The type-check is skipped when nothing it read changed since its last clean run, and only then. */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { repoRoot, tempProject } from "./helpers.js";

const CONFIG = `import { defineConfig } from "@wedata-kit/dsl";
export default defineConfig({
  pipelines: ["pipeline.ts"],
  targets: { dev: { projectId: "2378393617299558400", region: "ap-guangzhou" } },
});
`;
const PIPELINE = `import { task, workflow } from "@wedata-kit/dsl";
import { RETRIES } from "./shared/settings.js";
export const w = workflow("w", { folder: "/f" }).tasks(task("a").shell({ inline: "echo a" }).retry(RETRIES));
`;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** The config, a pipeline and the settings it imports (any replaced by `files`), removed after the test. */
function project(files: Record<string, string> = {}) {
  const p = tempProject({
    "wedata.config.ts": CONFIG,
    "pipeline.ts": PIPELINE,
    "shared/settings.ts": "export const RETRIES: number = 3;\n",
    ...files,
  });
  cleanups.push(p.cleanup);
  return p;
}

describe("the type-check record", () => {
  it("skips an unchanged project, and catches an error in any file the check read (imported ones too)", async () => {
    const p = project();
    const compile = () => runCli(["compile", "--cwd", p.dir, "--no-snapshot"]);
    const record = join(p.dir, ".wedata/state/typecheck.json");

    expect((await compile()).code).toBe(0);
    expect(existsSync(record)).toBe(true);
    const saved = JSON.parse(readFileSync(record, "utf8"));
    expect(Object.keys(saved.files)).toEqual(
      expect.arrayContaining(["pipeline.ts", "shared/settings.ts", "wedata.config.ts"]),
    );

    // The check really is skipped while the record matches: a type error whose hash is (wrongly) recorded as
    // clean goes through, since loading the files does not type-check them.
    const bad = 'export const RETRIES: number = "three";\n';
    writeFileSync(join(p.dir, "shared/settings.ts"), bad);
    const forged = { ...saved, files: { ...saved.files, "shared/settings.ts": sha256(bad) } };
    writeFileSync(record, JSON.stringify(forged));
    expect((await compile()).code).toBe(0);
    writeFileSync(join(p.dir, "shared/settings.ts"), "export const RETRIES: number = 3;\n");
    writeFileSync(record, JSON.stringify(saved));

    // A type error in the imported file: the record no longer matches, the check runs and reports it.
    writeFileSync(join(p.dir, "shared/settings.ts"), 'export const RETRIES: number = "three";\n');
    const broken = await compile();
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/shared\/settings\.ts:1:\d+ error\[E_TS2322\]/);
    // A failed check is never recorded as clean: the same error is reported again.
    expect((await compile()).err).toMatch(/E_TS2322/);

    writeFileSync(join(p.dir, "shared/settings.ts"), "export const RETRIES: number = 4;\n");
    expect((await compile()).code).toBe(0);

    // A new TypeScript file in the project may be imported next: it invalidates the record too.
    writeFileSync(join(p.dir, "shared/extra.ts"), "export const X: string = 1;\n");
    writeFileSync(join(p.dir, "pipeline.ts"), `import "./shared/extra.js";\n${PIPELINE}`);
    const again = await compile();
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/shared\/extra\.ts:1:\d+ error\[E_TS2322\]/);
  });

  it("a record that is not ours to trust (edited, truncated) only costs a fresh check", async () => {
    const p = project({ "pipeline.ts": PIPELINE.replace("RETRIES", '"x"') });
    const compile = () => runCli(["compile", "--cwd", p.dir, "--no-snapshot"]);
    const first = await compile();
    expect(first.code).toBe(1);
    expect(existsSync(join(p.dir, ".wedata/state/typecheck.json"))).toBe(false);
    writeFileSync(join(p.dir, "pipeline.ts"), PIPELINE);
    expect((await compile()).code).toBe(0);
    writeFileSync(join(p.dir, ".wedata/state/typecheck.json"), "{ not json");
    writeFileSync(join(p.dir, "pipeline.ts"), PIPELINE.replace("RETRIES", '"x"'));
    expect((await compile()).code).toBe(1);
  });

  it("the built command checks on its worker thread: errors at file:line, then a clean run recorded", () => {
    const p = project({ "shared/settings.ts": 'export const RETRIES: number = "three";\n' });
    const compile = () =>
      spawnSync(process.execPath, [join(repoRoot, "packages/cli/bin/wedata.js"), "compile", "--cwd", p.dir], {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
    const broken = compile();
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/shared\/settings\.ts:1:\d+ error\[E_TS2322\]/);
    expect(existsSync(join(p.dir, ".wedata/state/typecheck.json"))).toBe(false);
    writeFileSync(join(p.dir, "shared/settings.ts"), "export const RETRIES: number = 3;\n");
    const fixed = compile();
    expect(fixed.stderr).toBe("");
    expect(fixed.status).toBe(0);
    expect(existsSync(join(p.dir, ".wedata/state/typecheck.json"))).toBe(true);
    // The next check is handed TypeScript's record of this one, and still catches what a change breaks.
    writeFileSync(join(p.dir, "shared/settings.ts"), "export const RETRIES: string = '3';\n");
    const incremental = compile();
    expect(incremental.status).toBe(1);
    expect(incremental.stderr).toMatch(/pipeline\.ts:3:\d+ error\[E_TS2345\]/);
  });
});

describe("the incremental check", () => {
  it("redoes what a change reaches (an unchanged file importing a changed one); keeps no message", async () => {
    const p = project();
    const compile = () => runCli(["compile", "--cwd", p.dir, "--no-snapshot"], { NO_COLOR: "1" });
    const info = join(p.dir, ".wedata/state/typecheck-build.json");
    expect((await compile()).code).toBe(0);
    const clean = readFileSync(info, "utf8");
    expect(JSON.parse(clean)).toHaveProperty("version");

    // Only settings.ts changes; the error it causes is in pipeline.ts, whose text is the same.
    writeFileSync(join(p.dir, "shared/settings.ts"), 'export const RETRIES: string = "three";\n');
    const broken = await compile();
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/pipeline\.ts:3:\d+ error\[E_TS2345\]/);
    // A failed check records nothing: TypeScript's record is still the clean one, with no message in it.
    expect(readFileSync(info, "utf8")).toBe(clean);
    expect(clean).not.toMatch(/not assignable/);

    writeFileSync(join(p.dir, "shared/settings.ts"), "export const RETRIES: number = 4;\n");
    expect((await compile()).code).toBe(0);
    expect(readFileSync(info, "utf8")).not.toBe(clean);
  });
});

describe("the project's tsconfig.json", () => {
  const withTsconfig = (tsconfig: string) => {
    const p = project({ "pipeline.ts": `${PIPELINE}function unused() {}\n`, "tsconfig.json": tsconfig });
    return () => runCli(["compile", "--cwd", p.dir, "--no-snapshot"], { NO_COLOR: "1" });
  };
  const options = (extra: Record<string, unknown>) =>
    JSON.stringify({
      compilerOptions: { module: "NodeNext", strict: true, noEmit: true, types: [], lib: ["ES2023"], ...extra },
      include: ["nothing-matches/*.ts"],
    });

  it("gives the compiler options: its own files list does not matter", async () => {
    const plain = await withTsconfig(options({}))();
    expect(plain.err).toBe("");
    expect(plain.code).toBe(0);
    const strict = await withTsconfig(options({ noUnusedLocals: true }))();
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/pipeline\.ts:4:10 error\[E_TS6133\]: 'unused' is declared but its value is never read/);
  });

  it("a broken one is an error naming it, not a check with other options", async () => {
    const typo = await withTsconfig(options({ strictt: true }))();
    expect(typo.code).toBe(1);
    expect(typo.err).toMatch(/tsconfig\.json:1:1 error\[E_TS5025\]: Unknown compiler option 'strictt'/);
    const wildcard = await withTsconfig(JSON.stringify({ compilerOptions: { types: [] }, include: ["src/**"] }))();
    expect(wildcard.code).toBe(1);
    expect(wildcard.err).toMatch(/tsconfig\.json:1:1 error\[E_TS5010\]: File specification cannot end in a recursive/);
  });
});
