/*
 * The test API: run a workflow built in code, for a data time, with stand-ins for chosen tasks, and
 * assert which tasks ran, their outputs and the parameters they saw (`import { runWorkflow } from
 * "@wedata-kit/runner"` in a vitest test).
 */
import { readFileSync, realpathSync } from "node:fs";
import { compileProject, type CompileTarget } from "@wedata-kit/compiler";
import type { WorkflowBuilder } from "@wedata-kit/dsl";
import { runCompiled, type RunOptions, type RunResult, type TaskRun } from "./run.js";

export interface WorkflowRunOptions extends RunOptions {
  /** Other workflows the run needs: the targets of its Run Workflow tasks. */
  readonly with?: readonly WorkflowBuilder[];
  /** The target compiled for (project id and identifier appear in parameters); default a local one. */
  readonly target?: CompileTarget;
}

export interface WorkflowRun extends RunResult {
  /** One task's run by name (or `workflow/task`); throws when the task did not take part. */
  task(name: string): TaskRun;
}

const LOCAL: CompileTarget = { name: "local", projectId: "0", region: "local", projectIdentifier: "local" };

/**
 * Compile `workflow` (and `options.with`) exactly as `wedata compile` would, then run it locally.
 * Compile problems throw a `CompileError` listing every diagnostic.
 * @example
 * const run = await runWorkflow(dailyOrders, { root, date: "2026-11-28", standIns: { extract_orders: { outputs: {
 * row_count: "42" } } } });
 * expect(run.task("clean_orders").params.expected_rows).toBe("42");
 */
export async function runWorkflow(workflow: WorkflowBuilder, options: WorkflowRunOptions): Promise<WorkflowRun> {
  const exports = Object.fromEntries([workflow, ...(options.with ?? [])].map((w, i) => [`w${i}`, w]));
  const compiled = compileProject({
    root: options.root,
    modules: [{ file: "runWorkflow", exports }],
    target: options.target ?? LOCAL,
    readFile: (p) => readFileSync(p),
    realpath: realpathSync,
  });
  const result = await runCompiled(compiled, workflow.name, options);
  return {
    ...result,
    task(name: string): TaskRun {
      const t = result.tasks.find((x) => x.key === name || x.name === name || x.key.endsWith(`/${name}`));
      if (!t)
        throw new Error(
          `task "${name}" did not take part in the run; it had ${result.tasks.map((x) => x.key).join(", ")}`,
        );
      return t;
    },
  };
}
