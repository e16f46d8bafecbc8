import { describe, expect, it } from "vitest";
import { buildProject, BuildError } from "../packages/cli/src/compile-project.js";
import { join } from "node:path";
import { CONFIG, repoRoot, tempProject } from "./helpers.js";

/**
 * One row per kind of bad input. The offending line carries the marker `// <-`; the test asserts the
 * error code and that the first diagnostic with that code points at that line of pipeline.ts.
 */
const H = `import { task, workflow, existingWorkflow } from "@wedata-kit/dsl";\n`;
const cases: Array<{ name: string; code: string; src: string; files?: Record<string, string>; typecheck?: boolean; file?: string }> = [
  { name: "duplicate task name in a workflow", code: "E_DUPLICATE_TASK", src: `const a = task("a").shell({ inline: "x" });
const a2 = task("a").shell({ inline: "y" }); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a, a2);` },
  { name: "duplicate workflow name", code: "E_DUPLICATE_WORKFLOW", src: `export const w1 = workflow("w", { folder: "/f" });
export const w2 = workflow("w", { folder: "/g" }); // <-` },
  { name: "dependency on an unknown task name", code: "E_UNKNOWN_DEPENDENCY", src: `const a = task("a").shell({ inline: "x" })
  .after("ghost"); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "dependency on a task in no workflow", code: "E_UNKNOWN_DEPENDENCY", src: `const lost = task("lost").shell({ inline: "x" });
const a = task("a").shell({ inline: "x" }).after(lost); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "cross-workflow dependency", code: "E_CROSS_WORKFLOW", src: `const a = task("a").shell({ inline: "x" });
const b = task("b").shell({ inline: "x" }).after(a); // <-
export const w1 = workflow("w1", { folder: "/f" }).tasks(a);
export const w2 = workflow("w2", { folder: "/f" }).tasks(b);` },
  { name: "dependency cycle", code: "E_CYCLE", src: `const a = task("a").shell({ inline: "x" }).after("c"); // <-
const b = task("b").shell({ inline: "x" }).after(a);
const c = task("c").shell({ inline: "x" }).after(b);
export const w = workflow("w", { folder: "/f" }).tasks(a, b, c);` },
  { name: "self dependency", code: "E_SELF_DEPENDENCY", src: `const a = task("a").shell({ inline: "x" })
  .after("a"); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "missing code file", code: "E_CODE_MISSING", src: `const a = task("a")
  .shell("jobs/nope.sh"); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "code file is a folder", code: "E_CODE_UNREADABLE", src: `const a = task("a").shell("jobs"); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "code path leaving the project root", code: "E_CODE_OUTSIDE_ROOT", src: `const a = task("a").shell("../../etc/passwd"); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "absolute code path outside the root", code: "E_CODE_OUTSIDE_ROOT", src: `const a = task("a").python("/etc/hostname"); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "binary code file", code: "E_CODE_BINARY", files: { "jobs/tool.bin": "\u007fELF\u0000\u0001" }, src: `const a = task("a").shell("jobs/tool.bin"); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "task without a kind", code: "E_NO_KIND", src: `const a = task("a").retry(2); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "invalid task name", code: "E_TASK_NAME", src: `const a = task("bad name!").shell({ inline: "x" }); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "task name over 100 characters", code: "E_TASK_NAME", src: `const a = task("${"t".repeat(101)}").shell({ inline: "x" }); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "invalid workflow name", code: "E_WORKFLOW_NAME", src: `export const w = workflow("daily.etl", { folder: "/f" }); // <-` },
  { name: "relative workflow folder", code: "E_FOLDER_PATH", src: `export const w = workflow("w", { folder: "etl" }); // <-` },
  { name: "task folder with empty segment", code: "E_FOLDER_PATH", src: `const a = task("a").shell({ inline: "x" })
  .folder("/a//b"); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "invalid cron", code: "E_CRON", src: `export const w = workflow("w", { folder: "/f", schedule: { cron: "0 0 25 * * ? *", start: "2026-01-01 00:00:00" } }); // <-` },
  { name: "cron with 5 fields", code: "E_CRON", src: `export const w = workflow("w", { folder: "/f", schedule: { cron: "0 2 * * *", start: "2026-01-01 00:00:00" } }); // <-` },
  { name: "bad time zone", code: "E_TIMEZONE", src: `export const w = workflow("w", { folder: "/f", schedule: { cron: "0 0 2 * * ? *", start: "2026-01-01 00:00:00", timezone: "Asia/Shanghai" } }); // <-` },
  { name: "schedule ending before it starts", code: "E_SCHEDULE_RANGE", src: `export const w = workflow("w", { folder: "/f", schedule: { cron: "0 0 2 * * ? *", start: "2026-01-01 00:00:00", end: "2025-01-01 00:00:00" } }); // <-` },
  { name: "malformed schedule start", code: "E_DATETIME", src: `export const w = workflow("w", { folder: "/f", schedule: { cron: "0 0 2 * * ? *", start: "2026-01-01" } }); // <-` },
  { name: "retry count out of range", code: "E_RANGE", src: `const a = task("a").shell({ inline: "x" })
  .retry(-1); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "retry wait out of range", code: "E_RANGE", src: `const a = task("a").shell({ inline: "x" }).retry(3, { waitMinutes: 0 }); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "timeout of zero minutes", code: "E_RANGE", src: `const a = task("a").shell({ inline: "x" }).timeout(0); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "unknown priority", code: "E_ENUM", src: `const a = task("a").shell({ inline: "x" }).priority("urgent" as any); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "unknown redo policy", code: "E_ENUM", src: `const a = task("a").shell({ inline: "x" }).redo("SOMETIMES" as any); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "unknown dependency trigger policy", code: "E_ENUM", src: `const a = task("a").shell({ inline: "x" }).triggerWhen("ANY" as any); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "max concurrent runs out of range", code: "E_RANGE", src: `export const w = workflow("w", { folder: "/f", maxConcurrentRuns: 5000 }); // <-` },
  { name: "numeric id where a string is required", code: "E_TYPE", src: `const a = task("a").shell({ inline: "x" }).resourceGroup(20240222212719833743 as any); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "two kinds on one task", code: "E_KIND_TWICE", src: `const a = task("a").shell({ inline: "x" }).python({ inline: "y" }); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "exported task in no workflow", code: "E_ORPHAN_TASK", src: `export const a = task("a").shell({ inline: "x" }); // <-` },
  { name: "input from a task that is not upstream", code: "E_INPUT_NOT_UPSTREAM", src: `const a = task("a").shell({ inline: "x" }).output("n", "1");
const b = task("b").shell({ inline: "x" })
  .input("n", { from: a, param: "n" }); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a, b);` },
  { name: "input of an undeclared output", code: "E_INPUT_UNKNOWN_OUTPUT", src: `const a = task("a").shell({ inline: "x" });
const b = task("b").shell({ inline: "x" }).after(a)
  .input("n", { from: a, param: "n" }); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a, b);` },
  { name: "constant input outside For-each", code: "E_INPUT_CONSTANT", src: `const a = task("a").shell({ inline: "x" })
  .input("regions", { constant: "cn,hk" }); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "dependency on a task that forbids downstream", code: "E_DOWNSTREAM_DISALLOWED", src: `const a = task("a").shell({ inline: "x" }).allowDownstream(false);
const b = task("b").shell({ inline: "x" }).after(a); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a, b);` },
  { name: "Run Workflow of a workflow not in the project", code: "E_RUN_WORKFLOW_UNKNOWN", src: `const other = workflow("other", { folder: "/f" });
const a = task("a").runWorkflow(other); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "workflow running itself", code: "E_RUN_WORKFLOW_SELF", src: `const base = workflow("w", { folder: "/f" });
const a = task("a").runWorkflow(base); // <-
export const w = base.tasks(a);` },
  { name: "existing workflow id that is not a UUID", code: "E_WORKFLOW_ID", src: `const a = task("a").shell({ inline: "x" });
export const w = existingWorkflow("12345").tasks(a); // <-` },
  { name: "code required but missing (SSH)", code: "E_CODE_REQUIRED", src: `const a = task("a").ssh(undefined as any); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
  { name: "a module that throws while loading", code: "E_LOAD", src: `export const ready = false;
if (!ready) throw new Error("boom"); // <-` },
  { name: "TypeScript error in a pipeline file", code: "E_TS2345", typecheck: true, src: `const a = task("a").shell({ inline: "x" }).retry("3"); // <-
export const w = workflow("w", { folder: "/f" }).tasks(a);` },
];

describe("bad input is reported with a code at the offending line", () => {
  it.each(cases)("$name -> $code", async ({ code, src, files, typecheck }) => {
    const pipeline = H + src + "\n";
    const line = pipeline.split("\n").findIndex((l) => l.includes("// <-")) + 1;
    expect(line).toBeGreaterThan(0);
    const p = tempProject({ "wedata.config.ts": CONFIG, "pipeline.ts": pipeline, "jobs/ok.sh": "echo ok\n", "jobs/keep": "", ...files });
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
      expect(err.diagnostics.map((d) => d.code).sort()).toEqual(["E_CODE_MISSING", "E_TASK_NAME", "E_UNKNOWN_DEPENDENCY"]);
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
      writeFileSync(`${p.dir}/pipeline.ts`, src.replace(', binary: true', ''));
      const err = (await buildProject({ cwd: p.dir, typecheck: false }).catch((e: unknown) => e)) as BuildError;
      expect(err.diagnostics.map((d) => `${d.code} ${d.hint}`)).toEqual([expect.stringMatching(/^E_CODE_BINARY .*binary: true/)]);
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
      const r = spawnSync(process.execPath, [join(repoRoot, "packages/cli/bin/wedata.js"), "compile", "--cwd", p.dir, "--no-typecheck", "--no-snapshot"], { encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/pipeline\.ts:6:\d+ error\[E_UNKNOWN_DEPENDENCY\]/);
    } finally {
      p.cleanup();
    }
  });
});
