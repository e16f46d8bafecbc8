import { describe, expect, it } from "vitest";
import { buildProject, BuildError } from "../packages/cli/src/compile-project.js";
import { join } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import { CONFIG, repoRoot, tempProject } from "./helpers.js";
import { BAD_PIPELINES as cases, H } from "./fixtures/bad-pipelines.js";

describe("bad input is reported with a code at the offending line", () => {
  it.each(cases)("$name -> $code", async ({ code, src, files, typecheck }) => {
    const pipeline = `${H + src}\n`;
    const line = pipeline.split("\n").findIndex((l) => l.includes("// <-")) + 1;
    expect(line).toBeGreaterThan(0);
    const p = tempProject({
      "wedata.config.ts": CONFIG,
      "pipeline.ts": pipeline,
      "jobs/ok.sh": "echo ok\n",
      "jobs/keep": "",
      ...files,
    });
    try {
      const err = await buildProject({ cwd: p.dir, typecheck: typecheck ?? false }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BuildError);
      const ds = (err as BuildError).diagnostics;
      const d = ds.find((x) => x.code === code);
      expect(d, `got ${ds.map((x) => `${x.code} ${x.message}`).join("; ")}`).toBeDefined();
      expect(d!.loc.file).toBe("pipeline.ts");
      expect(d!.loc.line).toBe(line);
      expect(d!.message.length).toBeGreaterThan(10);
      if (code !== "E_LOAD" && !code.startsWith("E_TS")) expect(d!.hint).toBeTruthy();
    } finally {
      p.cleanup();
    }
  });

  it("reports every problem at once, not just the first", async () => {
    const src = `${H}const a = task("a").shell("jobs/nope.sh").after("ghost");
const b = task("b b").shell({ inline: "x" });
export const w = workflow("w", { folder: "/f" }).tasks(a, b);
`;
    const p = tempProject({ "wedata.config.ts": CONFIG, "pipeline.ts": src });
    try {
      const err = (await buildProject({ cwd: p.dir, typecheck: false }).catch((e: unknown) => e)) as BuildError;
      expect(err.diagnostics.map((d) => d.code).sort()).toEqual([
        "E_CODE_MISSING",
        "E_TASK_NAME",
        "E_UNKNOWN_DEPENDENCY",
      ]);
    } finally {
      p.cleanup();
    }
  });

  it("sends a non-UTF-8 program byte for byte when it is declared binary", async () => {
    const gbk = Buffer.from([0x2d, 0x2d, 0x20, 0xb6, 0xa9, 0xb5, 0xa5, 0x0a]);
    const src = `${H}const a = task("a").shell({ file: "jobs/gbk.sh", binary: true });
export const w = workflow("w", { folder: "/f" }).tasks(a);
`;
    const p = tempProject({ "wedata.config.ts": CONFIG, "pipeline.ts": src, "jobs/gbk.sh": "" });
    try {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(`${p.dir}/jobs/gbk.sh`, gbk);
      const b = await buildProject({ cwd: p.dir, typecheck: true });
      expect(b.compiled.tasks[0]!.payload.TriggerTaskConfiguration.CodeContent).toBe(gbk.toString("base64"));
      writeFileSync(`${p.dir}/pipeline.ts`, src.replace(", binary: true", ""));
      const err = (await buildProject({ cwd: p.dir, typecheck: false }).catch((e: unknown) => e)) as BuildError;
      expect(err.diagnostics.map((d) => `${d.code} ${d.hint}`)).toEqual([
        expect.stringMatching(/^E_CODE_BINARY .*binary: true/),
      ]);
    } finally {
      p.cleanup();
    }
  });

  it("points at the same line when the CLI runs in its own process (source-mapped call sites)", async () => {
    const { spawnSync } = await import("node:child_process");
    const src = `${H}const a = task("a").shell({ inline: "x" });

const b = task("b")
  .shell({ inline: "y" })
  .after("ghost");
export const w = workflow("w", { folder: "/f" }).tasks(a, b);
`;
    const p = tempProject({ "wedata.config.ts": CONFIG, "pipeline.ts": src });
    try {
      const r = spawnSync(
        process.execPath,
        [join(repoRoot, "packages/cli/bin/wedata.js"), "compile", "--cwd", p.dir, "--no-typecheck", "--no-snapshot"],
        { encoding: "utf8" },
      );
      expect(r.status).toBe(1);
      expect(r.stderr.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(/pipeline\.ts:6:4 error\[E_UNKNOWN_DEPENDENCY\]/);
      // Fixed, it compiles; the snapshot names the file that declares each task (locations read for all).
      writeFileSync(join(p.dir, "pipeline.ts"), src.replace('.after("ghost")', '.after("a")'));
      const fixed = spawnSync(
        process.execPath,
        [join(repoRoot, "packages/cli/bin/wedata.js"), "compile", "--cwd", p.dir, "--no-typecheck"],
        { encoding: "utf8" },
      );
      expect(fixed.status, fixed.stderr).toBe(0);
      const snapshot = JSON.parse(readFileSync(join(p.dir, "wedata.snapshot/w/tasks/b.json"), "utf8"));
      expect(snapshot.$source).toBe("pipeline.ts");
    } finally {
      p.cleanup();
    }
  });
});

describe("the project folder is the working directory of pipeline code", () => {
  it("a pipeline reading a project file by a relative path works with --cwd from elsewhere", async () => {
    const p = tempProject({
      "wedata.config.ts": CONFIG,
      "pipeline.ts":
        `import { existsSync } from "node:fs";\n${H}if (!existsSync("jobs/ok.sh")) throw new Error("not ` +
        `run from the project folder");\nexport const w = workflow("w", { folder: "/f" ` +
        `}).tasks(task("a").shell("jobs/ok.sh"));\n`,
      "jobs/ok.sh": "echo ok\n",
    });
    const before = process.cwd();
    try {
      const { compiled } = await buildProject({ cwd: p.dir, typecheck: false });
      expect(compiled.tasks.map((t) => t.key)).toEqual(["w/a"]);
      expect(process.cwd()).toBe(before);
    } finally {
      p.cleanup();
    }
  });
});

describe("messages that say what to do", () => {
  const build = async (pipeline: string, files: Record<string, string> = {}) => {
    const p = tempProject({
      "wedata.config.ts": CONFIG,
      "pipeline.ts": `${H}${pipeline}\n`,
      "jobs/ok.sh": "echo ok\n",
      ...files,
    });
    try {
      return await buildProject({ cwd: p.dir, typecheck: false }).then(
        (b) => ({ warnings: b.compiled.warnings, errors: [] as BuildError["diagnostics"] }),
        (e: unknown) => ({ warnings: [], errors: (e as BuildError).diagnostics }),
      );
    } finally {
      p.cleanup();
    }
  };

  it("an input parameter typo suggests the closest output name", async () => {
    const r = await build(`const a = task("a").shell("jobs/ok.sh").output("row_count", "$[0]");
export const w = workflow("w", { folder: "/f" })
  .tasks(a, task("b").shell("jobs/ok.sh").after(a).input("n", { from: a, param: "rowcount" }));`);
    const d = r.errors.find((x) => x.code === "E_INPUT_UNKNOWN_OUTPUT")!;
    expect(d.message).toMatch(/\(its outputs: row_count\)/);
    expect(d.hint).toBe('did you mean "row_count"? write { from: ..., param: "row_count" }');
  });

  it("a code path that is a command suggests { inline }", async () => {
    const r = await build(
      `export const w = workflow("w", { folder: "/f" }).tasks(task("a").shell("echo start && curl -fsS ` +
        `https://example.com"));`,
    );
    expect(r.errors.find((x) => x.code === "E_CODE_MISSING")!.hint).toBe(
      'it looks like a command, not a file: write { inline: "echo start && curl -fsS https://example.com" }',
    );
  });

  it("the hint for an exported task in no workflow names its variable", async () => {
    const r = await build(`export const loadOrders = task("load_orders").shell("jobs/ok.sh");
export const w = workflow("w", { folder: "/f" }).tasks(task("a").shell("jobs/ok.sh"));`);
    expect(r.errors.find((x) => x.code === "E_ORPHAN_TASK")!.hint).toBe(
      "add it to a workflow: workflow(...).tasks(loadOrders)",
    );
  });

  it("a task a helper makes twice is one task: the same name declared at the same place", async () => {
    // Each call builds a new object; identity is the name and the place, so the exported copy is placed, the
    // reference from the other workflow is a cross-workflow one, and a copy placed nowhere is not warned about.
    const helper = `const make = (n: string) => task(n).shell("jobs/ok.sh");\n`;
    const placed = await build(`${helper}export const a = make("a");
export const w = workflow("w", { folder: "/f" }).tasks(make("a"), make("b"));
make("b");`);
    expect(placed.errors).toEqual([]);
    expect(placed.warnings).toEqual([]);
    const crossing = await build(`${helper}export const w1 = workflow("w1", { folder: "/f" }).tasks(make("a"));
export const w2 = workflow("w2", { folder: "/f" }).tasks(task("b").shell("jobs/ok.sh").after(make("a")));`);
    expect(crossing.errors.map((e) => [e.code, e.loc.line])).toEqual([["E_CROSS_WORKFLOW", 4]]);
    expect(crossing.errors[0]!.message).toMatch(/"a" of workflow "w1"/);
    const orphan = await build(`${helper}export const a = make("c");
export const w = workflow("w", { folder: "/f" }).tasks(make("a"));`);
    expect(orphan.errors.map((e) => e.code)).toEqual(["E_ORPHAN_TASK"]);
  });

  it("warns about a .py file given to dlcSql and an empty SQL file", async () => {
    const r = await build(
      `export const w = workflow("w", { folder: "/f" }).tasks(task("a").dlcSql("jobs/x.py", { engine: "e" }), ` +
        `task("b").dlcSql("sql/empty.sql", { engine: "e" }));`,
      { "jobs/x.py": "print(1)\n", "sql/empty.sql": "\n  \n" },
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.code).sort()).toEqual(["W_CODE_LANGUAGE", "W_EMPTY_CODE"]);
    expect(r.warnings.find((w) => w.code === "W_CODE_LANGUAGE")!.message).toBe(
      'DLC SQL task "a" runs "jobs/x.py", a .py file; it runs SQL',
    );
  });
});

describe("load errors without the type-check point at the real line and column", () => {
  it("a runtime error after type annotations is reported where it happens", async () => {
    const p = tempProject({
      "wedata.config.ts": CONFIG,
      "pipeline.ts":
        `${H}const x: number = 1;\nconst rows: number[] = [1, 2].map((n: number) => n * x);\nexport ` +
        `const w = workflow("w", { folder: "/f" }).tasks(task("a").shell({ inline: "x" }));\n    const broken = ` +
        `(rows as unknown as { nope: () => void }).nope();\n`,
    });
    try {
      const err = (await buildProject({ cwd: p.dir, typecheck: false }).catch((e: unknown) => e)) as BuildError;
      expect(err).toBeInstanceOf(BuildError);
      expect(err.diagnostics[0]).toMatchObject({ code: "E_LOAD", loc: { file: "pipeline.ts", line: 5, column: 62 } });
    } finally {
      p.cleanup();
    }
  });
});

describe("pipeline files load together", () => {
  const config = (files: string[]) =>
    CONFIG.replace('pipelines: ["pipeline.ts"]', `pipelines: ${JSON.stringify(files)}`);
  const ok = (name: string, pad = 0) =>
    `import { byTarget, task, workflow } from "@wedata-kit/dsl";\n${"\n".repeat(pad)}` +
    `export const ${name} = workflow("${name}", { folder: "/f" }).tasks(\n` +
    `  task("t").shell({ inline: byTarget({ dev: "echo ${name} dev" }, "echo other") }),\n);\n`;

  it("each file's failure is its own diagnostic, in the config's order, and process.exit is put back", async () => {
    const exit = process.exit;
    const p = tempProject({
      "wedata.config.ts": config(["a.ts", "missing.ts", "throws.ts", "exits.ts", "jobs", "b.ts"]),
      "a.ts": ok("a"),
      "throws.ts": `${H}\nthrow new Error("broken on purpose");\n`,
      "exits.ts": `${H}process.exit(3);\n`,
      "jobs/x.sh": "echo\n",
      "b.ts": ok("b"),
    });
    try {
      const err = (await buildProject({ cwd: p.dir, typecheck: false }).catch((e: unknown) => e)) as BuildError;
      expect(err).toBeInstanceOf(BuildError);
      expect(err.diagnostics.map((d) => `${d.code} ${d.loc.file}:${d.loc.line}`)).toEqual([
        "E_NO_PIPELINE wedata.config.ts:1",
        "E_LOAD throws.ts:3",
        "E_LOAD exits.ts:2",
        "E_NO_PIPELINE wedata.config.ts:1",
      ]);
      expect(err.diagnostics[0]!.message).toContain("missing.ts");
      expect(err.diagnostics[2]!.message).toContain("process.exit(3)");
      expect(err.diagnostics[3]!.message).toContain("a folder");
      expect(process.exit).toBe(exit);
    } finally {
      p.cleanup();
    }
  });

  it("the values byTarget() chose are listed by place, whichever file ran first", async () => {
    const names = ["c", "a", "d", "b", "e"];
    const p = tempProject({
      "wedata.config.ts": config(names.map((n) => `${n}.ts`)),
      ...Object.fromEntries(names.map((n, i) => [`${n}.ts`, ok(n, i)])),
    });
    try {
      const build = await buildProject({ cwd: p.dir, typecheck: false });
      expect(build.loaded.modules.map((m) => m.file.slice(-5))).toEqual(names.map((n) => `/${n}.ts`));
      expect(build.loaded.targetValues!.map((v) => `${v.loc.file.slice(-5)}:${v.loc.line}`)).toEqual([
        "/a.ts:4",
        "/b.ts:6",
        "/c.ts:3",
        "/d.ts:5",
        "/e.ts:7",
      ]);
      expect(build.compiled.tasks.map((t) => t.key)).toEqual(["a/t", "b/t", "c/t", "d/t", "e/t"]);
    } finally {
      p.cleanup();
    }
  });
});
