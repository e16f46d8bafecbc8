import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createMain, type Prompt, scaffold } from "../src/index.js";

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "wedata-scaffold-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
};

describe("create-wedata-kit", () => {
  it("writes a whole project: package.json, tsconfig, config with dev and prod, a pipeline, scripts, test, CI", () => {
    const dir = join(temp(), "Sales Pipelines");
    const r = scaffold({ dir, mode: "create", devProjectId: "2378393617299558400", region: "ap-shanghai" });
    expect(r.name).toBe("sales-pipelines");
    expect(r.written).toEqual(
      expect.arrayContaining([
        "package.json",
        "tsconfig.json",
        "wedata.config.ts",
        "pipelines/daily.ts",
        "jobs/extract.sh",
        "jobs/load.sh",
        "test/pipeline.test.ts",
        ".gitignore",
        ".github/workflows/wedata.yml",
        "README.md",
      ]),
    );
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg).toMatchObject({
      name: "sales-pipelines",
      private: true,
      type: "module",
      scripts: { deploy: "wedata deploy", plan: "wedata plan" },
      dependencies: { "@wedata-kit/cli": expect.stringMatching(/^\^\d/), "@wedata-kit/dsl": expect.any(String) },
      devDependencies: { "@types/node": expect.any(String), tsx: expect.any(String), typescript: expect.any(String) },
      // npm 11 runs a dependency's install script only when allowed: the emulator's SQLite needs its own.
      allowScripts: { "better-sqlite3": true },
    });
    const config = readFileSync(join(dir, "wedata.config.ts"), "utf8");
    expect(config).toContain('name: "sales-pipelines"');
    expect(config).toContain('dev: { projectId: "2378393617299558400", region: "ap-shanghai" }');
    expect(config).toMatch(/prod: \{ projectId: "\d+", region: "ap-shanghai" \}/);
    expect(config).not.toMatch(/\{\{/);
    expect(JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8")).compilerOptions.types).toEqual(["node"]);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toContain(".wedata/");
    expect(statSync(join(dir, "jobs/load.sh")).mode & 0o111).not.toBe(0);
    // The CI workflow is the one documented in examples/ci.
    expect(readFileSync(join(dir, ".github/workflows/wedata.yml"), "utf8")).toBe(
      readFileSync(new URL("../../../examples/ci/wedata.yml", import.meta.url), "utf8"),
    );
  });

  it("refuses a folder that is not empty, and bad values, saying how to fix them", () => {
    const dir = temp();
    writeFileSync(join(dir, "notes.txt"), "mine");
    expect(() => scaffold({ dir, mode: "create" })).toThrow(/is not empty; .*wedata init/);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(() => scaffold({ dir: join(dir, "p"), mode: "create", devProjectId: "12ab" })).toThrow(
      /--project-id "12ab" is not a WeData ProjectId/,
    );
    expect(() => scaffold({ dir: join(dir, "q"), mode: "create", region: "Guangzhou" })).toThrow(/--region/);
    expect(() => scaffold({ dir: join(dir, "r"), mode: "create", name: "Bad Name" })).toThrow(/--name "Bad Name"/);
    expect(existsSync(join(dir, "p"))).toBe(false);
  });

  it("init adds to an existing project without changing a file it did not write", () => {
    const dir = temp();
    const mine =
      `{\n    "name": "legacy",\n    "scripts": { "test": "jest" },\n` +
      `    "dependencies": { "left-pad": "1.3.0" }\n}\n`;
    writeFileSync(join(dir, "package.json"), mine);
    writeFileSync(join(dir, ".gitignore"), "node_modules/\ncoverage/");
    mkdirSync(join(dir, "pipelines"));
    writeFileSync(join(dir, "pipelines/daily.ts"), "// my own pipeline\n");
    const r = scaffold({ dir, mode: "init" });
    expect(r.kept).toContain("pipelines/daily.ts");
    expect(readFileSync(join(dir, "pipelines/daily.ts"), "utf8")).toBe("// my own pipeline\n");
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.scripts.test).toBe("jest");
    expect(pkg.scripts.deploy).toBe("wedata deploy");
    expect(pkg.dependencies["left-pad"]).toBe("1.3.0");
    expect(pkg.dependencies["@wedata-kit/cli"]).toMatch(/^\^/);
    expect(readFileSync(join(dir, "package.json"), "utf8")).toMatch(/^\{\n {4}"name"/);
    expect(r.extended.find((e) => e.file === "package.json")?.added).toEqual(
      expect.arrayContaining(["scripts.deploy", "dependencies.@wedata-kit/cli", "type"]),
    );
    expect(r.extended.find((e) => e.file === "package.json")?.added).not.toContain("scripts.test");
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe("node_modules/\ncoverage/\n.wedata/\n");
    // A second init changes nothing.
    const again = scaffold({ dir, mode: "init" });
    expect(again.written).toEqual([]);
    expect(again.extended).toEqual([]);
  });

  it("init in a project that has its own config adds no sample pipeline its config would not list", () => {
    const dir = temp();
    writeFileSync(join(dir, "wedata.config.ts"), "// mine\n");
    const r = scaffold({ dir, mode: "init" });
    expect(r.kept).toContain("wedata.config.ts");
    expect(r.written).not.toContain("pipelines/daily.ts");
    expect(r.written.filter((f) => /^(pipelines|jobs|test)\//.test(f))).toEqual([]);
    expect(r.written).toEqual(expect.arrayContaining(["tsconfig.json", ".gitignore", "package.json"]));
    expect(readFileSync(join(dir, "wedata.config.ts"), "utf8")).toBe("// mine\n");
  });

  it("never writes through a symlinked folder", () => {
    const dir = temp();
    const outside = temp();
    symlinkSync(outside, join(dir, "jobs"));
    expect(() => scaffold({ dir, mode: "init" })).toThrow(/jobs is a symlink/);
    expect(existsSync(join(outside, "extract.sh"))).toBe(false);
  });

  it("asks on a terminal for what no flag gave, and takes flags in CI", async () => {
    const base = temp();
    const asked: string[] = [];
    const prompt: Prompt = async (q, fallback) => {
      asked.push(q);
      return q.startsWith("WeData ProjectId of the dev") ? "42" : fallback;
    };
    const c = capture();
    expect(await createMain([join(base, "a"), "--region", "ap-beijing"], { ...c.io, prompt })).toBe(0);
    expect(asked).toEqual([
      "Project name",
      "WeData ProjectId of the dev target",
      "WeData ProjectId of the prod target",
    ]);
    expect(readFileSync(join(base, "a/wedata.config.ts"), "utf8")).toContain(
      'dev: { projectId: "42", region: "ap-beijing" }',
    );
    expect(c.out.join("")).toMatch(/Next:\n {2}cd .*\n {2}npm install\n {2}npm run deploy/);

    const quiet = capture();
    expect(await createMain([join(base, "b"), "--yes", "--name", "b_team"], { ...quiet.io, prompt })).toBe(0);
    expect(asked).toHaveLength(3);
    const bad = capture();
    expect(await createMain([join(base, "c"), "--bogus"], bad.io)).toBe(1);
    expect(bad.err.join("")).toMatch(/Unknown option '--bogus'[\s\S]*Usage:/);
  });
});
