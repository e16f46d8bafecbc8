import { afterEach, describe, expect, it } from "vitest";
import { NOT_CAPTURED, type WorkflowBuilder } from "@wedata-kit/dsl";
import type { Diagnostic } from "@wedata-kit/compiler";
import { buildProject, BuildError, onCompileWarning } from "../packages/cli/src/compile-project.js";
import { CONFIG, tempProject } from "./helpers.js";

// Each pipeline counts its own loads here: the CLI loads a project without the places of builder method calls
// first, and again with them only when a diagnostic needs one.
const LOADS = "__wedataKitMethodLocationLoads";
const counted = (body: string) =>
  `import { task, workflow } from "@wedata-kit/dsl";
const g = globalThis as unknown as Record<string, number>;
g.${LOADS} = (g.${LOADS} ?? 0) + 1;
${body}`;
const loads = () => (globalThis as unknown as Record<string, number | undefined>)[LOADS] ?? 0;
/** The 1-based line of the first line holding `marker`. */
const lineOf = (src: string, marker: string) => src.split("\n").findIndex((l) => l.includes(marker)) + 1;

async function build(files: Record<string, string>) {
  const p = tempProject({ "wedata.config.ts": CONFIG, ...files });
  const warnings: Diagnostic[] = [];
  onCompileWarning((d) => warnings.push(d));
  try {
    const result = await buildProject({ cwd: p.dir, typecheck: false }).then(
      (b) => ({ build: b, error: undefined }),
      (e: unknown) => ({ build: undefined, error: e }),
    );
    return { ...result, warnings };
  } finally {
    onCompileWarning(() => {});
    p.cleanup();
  }
}

afterEach(() => {
  delete (globalThis as Record<string, unknown>)[LOADS];
});

describe("places of builder method calls, captured only when a diagnostic needs them", () => {
  it("loads a clean project once, with its tasks' and workflows' own places", async () => {
    const src = counted(`const a = task("a")
  .shell("jobs/a.sh")
  .retry(2);
export const w = workflow("w", { folder: "/f" }).tasks(a);
`);
    const { build: b, error } = await build({ "pipeline.ts": src, "jobs/a.sh": "echo a\n" });
    expect(error).toBeUndefined();
    expect(loads()).toBe(1);
    const t = b!.compiled.tasks[0]!;
    expect([t.loc.file, t.loc.line]).toEqual(["pipeline.ts", lineOf(src, 'task("a")')]);
    const wf = b!.compiled.workflows[0]!;
    expect([wf.loc.file, wf.loc.line]).toEqual(["pipeline.ts", lineOf(src, "workflow(")]);
    // The quick load it kept: the method's place was not captured.
    const node = (b!.loaded.modules[0]!.exports.w as WorkflowBuilder).node.tasks[0]!;
    expect(node.locs.code).toBe(NOT_CAPTURED);
  });

  it("loads again when an error is at a method's place, and points at that method's own line", async () => {
    const src = counted(`const a = task("a")
  .retry(2)
  .shell("jobs/missing.sh");
export const w = workflow("w", { folder: "/f" }).tasks(a);
`);
    const { error } = await build({ "pipeline.ts": src });
    expect(error).toBeInstanceOf(BuildError);
    const d = (error as BuildError).diagnostics.find((x) => x.code === "E_CODE_MISSING");
    expect(d).toBeDefined();
    expect([d!.loc.file, d!.loc.line]).toEqual(["pipeline.ts", lineOf(src, "missing.sh")]);
    expect(loads()).toBe(2);
  });

  it("loads again for a warning at a method's place too", async () => {
    const src = counted(`const a = task("a")
  .retry(1)
  .python("jobs/a.sh");
export const w = workflow("w", { folder: "/f" }).tasks(a);
`);
    const { build: b, warnings } = await build({ "pipeline.ts": src, "jobs/a.sh": "echo a\n" });
    expect(b).toBeDefined();
    const d = warnings.find((x) => x.code === "W_CODE_LANGUAGE");
    expect(d).toBeDefined();
    expect([d!.loc.file, d!.loc.line]).toEqual(["pipeline.ts", lineOf(src, ".python(")]);
    expect(loads()).toBe(2);
    // The answer is the second load's, with every place.
    const node = (b!.loaded.modules[0]!.exports.w as WorkflowBuilder).node.tasks[0]!;
    expect(node.locs.code!.line).toBe(lineOf(src, ".python("));
  });

  it("reports a misuse recorded at a method's call at its line", async () => {
    const src = counted(`const a = task("a")
  .shell("jobs/a.sh")
  .retry(-1);
export const w = workflow("w", { folder: "/f" }).tasks(a);
`);
    const { error } = await build({ "pipeline.ts": src, "jobs/a.sh": "echo a\n" });
    const d = (error as BuildError).diagnostics.find((x) => x.code === "E_RANGE");
    expect([d?.loc.file, d?.loc.line]).toEqual(["pipeline.ts", lineOf(src, ".retry(-1)")]);
    expect(loads()).toBe(2);
  });

  it("needs no second load when every diagnostic is at a task's own place", async () => {
    const src = counted(`export const lonely = task("lonely").shell("jobs/a.sh");
const a = task("a").shell("jobs/a.sh");
export const w = workflow("w", { folder: "/f" }).tasks(a);
`);
    const { error } = await build({ "pipeline.ts": src, "jobs/a.sh": "echo a\n" });
    const ds = (error as BuildError).diagnostics;
    expect(ds.map((d) => [d.code, d.loc.line])).toEqual([["E_ORPHAN_TASK", lineOf(src, "lonely")]]);
    expect(loads()).toBe(1);
    expect(ds.some((d) => d.loc.file === NOT_CAPTURED.file)).toBe(false);
  });

  it("never lets an uncaptured place out, whatever the diagnostics", async () => {
    // Problems of every kind that point at methods: each comes back at a real line.
    const src = counted(`const up = task("up").shell("jobs/a.sh");
const a = task("a b")
  .shell("jobs/missing.sh")
  .retry(100)
  .folder("no-slash")
  .after(up, "ghost");
export const w = workflow("w", { folder: "/f" }).tasks(a, up);
`);
    const { error } = await build({ "pipeline.ts": src, "jobs/a.sh": "echo a\n" });
    const ds = (error as BuildError).diagnostics;
    expect(ds.length).toBeGreaterThanOrEqual(4);
    for (const d of ds) {
      expect(d.loc.file).toBe("pipeline.ts");
      expect(d.loc.line).toBeGreaterThan(3);
      expect(`${d.message} ${d.hint ?? ""}`).not.toContain(NOT_CAPTURED.file);
    }
    expect(loads()).toBe(2);
  });
});
