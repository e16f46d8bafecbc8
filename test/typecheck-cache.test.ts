/** The type-check is skipped when nothing it read changed since its last clean run, and only then. */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseOutput, runTypecheck } from "../packages/cli/src/typecheck-run.js";
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

  it("the built command runs the native checker: errors at file:line, then a clean run recorded", () => {
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
    // Only settings.ts changes; the error it causes is in pipeline.ts, whose text is the same.
    writeFileSync(join(p.dir, "shared/settings.ts"), "export const RETRIES: string = '3';\n");
    const reached = compile();
    expect(reached.status).toBe(1);
    expect(reached.stderr).toMatch(/pipeline\.ts:3:\d+ error\[E_TS2345\]/);
    // The checker is handed a generated config for the run, removed after it; it writes nothing itself. One
    // left by a killed run (no such process) goes too; one of a live process stays.
    const orphan = join(p.dir, ".wedata/state/typecheck-999999999.tsconfig.json");
    const live = join(p.dir, `.wedata/state/typecheck-${process.pid}.tsconfig.json`);
    writeFileSync(orphan, "{}\n");
    writeFileSync(live, "{}\n");
    writeFileSync(join(p.dir, "shared/settings.ts"), "export const RETRIES: string = '3';\n");
    expect(compile().status).toBe(1);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(live)).toBe(true);
    rmSync(live);
    expect(readdirSync(join(p.dir, ".wedata/state")).filter((f) => f.startsWith("typecheck"))).toEqual([
      "typecheck.json",
    ]);
  });
});

describe("the checker's output", () => {
  const root = "/project";
  it("reports the user's files and the tsconfig, skips libraries and continuation lines, lists files read", () => {
    const out = [
      "pipeline.ts(3,7): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.",
      "  The expected type comes from this parameter.",
      "node_modules/some-lib/index.d.ts(1,1): error TS2300: Duplicate identifier 'x'.",
      "../elsewhere/x.ts(2,2): error TS2322: Type 'string' is not assignable to type 'number'.",
      "tsconfig.json(1,21): error TS5102: Option 'baseUrl' has been removed. Please remove it from your configuration.",
      `  Use '"paths": {"*": ["./*"]}' instead.`,
      "error TS5055: Cannot write file because it would overwrite input file.",
      "/project/pipeline.ts",
    ].join("\n");
    const r = parseOutput(root, out, 1, "", "/project/tsconfig.json");
    expect(r.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.column} ${d.code}`)).toEqual([
      "/project/pipeline.ts:3:7 E_TS2345",
      "/project/tsconfig.json:1:21 E_TS5102",
      "/project/tsconfig.json:1:1 E_TS5055",
    ]);
    expect(r.diagnostics[0]!.message).toBe(
      "Argument of type 'string' is not assignable to parameter of type 'number'.",
    );
    // What TypeScript says to write instead of a removed option is the hint; a code error keeps only its head line.
    expect(r.diagnostics[1]!.hint).toMatch(/^Use '"paths": \{"\*": \["\.\/\*"\]\}' instead\. \(fix the tsconfig/);
    expect(r.diagnostics[0]!.hint).toBe("fix the TypeScript error; the builder API is fully typed");
    expect(r.checked).toEqual([]); // not clean: nothing to record
  });

  it("a clean run lists what it read (libraries aside); a failure with nothing to report is an error", () => {
    const clean = parseOutput(
      root,
      "/lib/node_modules/x/lib.es5.d.ts\n/project/a.ts\n/project/b.ts\n",
      0,
      "",
      undefined,
    );
    expect(clean).toEqual({ diagnostics: [], checked: ["/project/a.ts", "/project/b.ts"] });
    expect(() => parseOutput(root, "", 3, "panic: out of memory", undefined)).toThrow(/exit 3.*out of memory/);
    expect(() => parseOutput(root, "", null, "", undefined)).toThrow(/by a signal/);
  });

  it("without the native compiler for this machine, a specific error says how to get it", async () => {
    const p = project();
    const r = await runTypecheck(p.dir, [join(p.dir, "pipeline.ts")], null);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        code: "E_TYPECHECK_UNAVAILABLE",
        message: expect.stringContaining(`@typescript/typescript-${process.platform}-${process.arch}`),
        hint: expect.stringContaining("--no-typecheck"),
      }),
    ]);
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

  it("where the tsconfig says nothing, the defaults are those of the project's own TypeScript", async () => {
    // Node's `process` (an @types package) and an implicit any (not strict): fine for TypeScript 5, not for 7.
    const usesNode = `${PIPELINE}export const home: string = process.env.HOME ?? "";\nexport const id = (x) => x;\n`;
    const p = project({
      "pipeline.ts": usesNode,
      "tsconfig.json": JSON.stringify({ compilerOptions: { module: "NodeNext", noEmit: true } }),
    });
    mkdirSync(join(p.dir, "node_modules", "@types"), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules", "@types", "node"), join(p.dir, "node_modules", "@types", "node"));
    const compile = () => runCli(["compile", "--cwd", p.dir, "--no-snapshot"], { NO_COLOR: "1" });
    // TypeScript 5 (the repository's, here) includes every installed @types package and is not strict.
    symlinkSync(join(repoRoot, "node_modules", "typescript"), join(p.dir, "node_modules", "typescript"));
    const five = await compile();
    expect(five.err).toBe("");
    expect(five.code).toBe(0);
    // TypeScript 6 and later include none unless listed, and are strict: the check says what the project's tsc would.
    rmSync(join(p.dir, "node_modules", "typescript"));
    mkdirSync(join(p.dir, "node_modules", "typescript"));
    writeFileSync(join(p.dir, "node_modules", "typescript", "package.json"), '{"name":"typescript","version":"7.0.2"}');
    const seven = await compile();
    expect(seven.code).toBe(1);
    expect(seven.err).toMatch(/pipeline\.ts:4:\d+ error\[E_TS2591\]: Cannot find name 'process'/);
    expect(seven.err).toMatch(/pipeline\.ts:5:\d+ error\[E_TS7006\]: Parameter 'x' implicitly has an 'any' type/);
  });

  it("a TypeScript 5 project's baseUrl and paths resolve as they did (TypeScript 7 removed baseUrl)", async () => {
    const p = project({
      "pipeline.ts": `import { EXTRA } from "lib/extra";\nimport { MORE } from "@more/more";\n${PIPELINE}export const x: number = EXTRA + MORE;\n`,
      "src/lib/extra.ts": "export const EXTRA: number = 1;\n",
      "src/vendor/more.ts": "export const MORE: number = 2;\n",
      "tsconfig.json": JSON.stringify({
        extends: "./config/base.json",
        compilerOptions: { module: "ESNext", moduleResolution: "Bundler", strict: true, noEmit: true, types: [] },
      }),
      "config/base.json": JSON.stringify({
        compilerOptions: { baseUrl: "../src", paths: { "@more/*": ["vendor/*"] } },
      }),
    });
    symlinkSync(join(repoRoot, "node_modules", "typescript"), join(p.dir, "node_modules", "typescript"));
    const r = await runTypecheck(p.dir, [join(p.dir, "pipeline.ts")]);
    expect(r.diagnostics).toEqual([]);
    // A project already on TypeScript 6 or later has no baseUrl to keep: the check says what its tsc says.
    rmSync(join(p.dir, "node_modules", "typescript"));
    mkdirSync(join(p.dir, "node_modules", "typescript"));
    writeFileSync(join(p.dir, "node_modules", "typescript", "package.json"), '{"name":"typescript","version":"7.0.2"}');
    // TypeScript 7 refuses it, at the project's tsconfig, with what to write instead (paths of the project).
    const seven = await runTypecheck(p.dir, [join(p.dir, "pipeline.ts")]);
    const removed = seven.diagnostics.find((d) => d.code === "E_TS5102");
    expect(removed?.loc).toEqual({ file: join(p.dir, "tsconfig.json"), line: 1, column: 1 });
    expect(removed?.message).toMatch(/^Option 'baseUrl' has been removed/);
    expect(removed?.hint).toMatch(/^Use '"paths": \{"\*": \["\.\/src\/\*"\]\}' instead\./);
  });

  it("a change to a config the tsconfig extends runs the check again", async () => {
    const p = project({
      "pipeline.ts": `${PIPELINE}function unused() {}\n`,
      "tsconfig.json": `{\n  // the project's own base, with a comment and a trailing comma\n  "extends": "./config/base",\n}\n`,
      "config/base.json": JSON.stringify({ compilerOptions: { module: "NodeNext", strict: true, types: [] } }),
    });
    const compile = () => runCli(["compile", "--cwd", p.dir, "--no-snapshot"], { NO_COLOR: "1" });
    expect((await compile()).code).toBe(0);
    const record = JSON.parse(readFileSync(join(p.dir, ".wedata/state/typecheck.json"), "utf8"));
    expect(Object.keys(record.files)).toContain("config/base.json");
    writeFileSync(
      join(p.dir, "config/base.json"),
      JSON.stringify({ compilerOptions: { module: "NodeNext", strict: true, types: [], noUnusedLocals: true } }),
    );
    const stricter = await compile();
    expect(stricter.code).toBe(1);
    expect(stricter.err).toMatch(/pipeline\.ts:4:10 error\[E_TS6133\]/);
  });

  it("a library's tsconfig (an outDir, declarations) checks the pipelines as they are", async () => {
    const lib = await withTsconfig(options({ outDir: "dist", declaration: true, emitDeclarationOnly: true }))();
    expect(lib.err).toBe("");
    expect(lib.code).toBe(0);
  });

  it("a broken one is an error naming it, not a check with other options", async () => {
    const typo = await withTsconfig(options({ strictt: true }))();
    expect(typo.code).toBe(1);
    expect(typo.err).toMatch(/tsconfig\.json:1:\d+ error\[E_TS5023\]: Unknown compiler option 'strictt'/);
    const target = await withTsconfig(options({ target: "ES1999" }))();
    expect(target.code).toBe(1);
    expect(target.err).toMatch(/tsconfig\.json:1:\d+ error\[E_TS6046\]: Argument for '--target' option must be/);
  });
});
