import { PACING_MARGIN } from "./caller.js";
import type { Plan } from "./plan.js";
import type { Action } from "./sdk-client.js";

/** The API calls applying `plan` will make, per action (retries aside). */
export function plannedCalls(plan: Plan, prune = false): Partial<Record<Action, number>> {
  const calls: Partial<Record<Action, number>> = {};
  const add = (a: Action, n = 1) => (calls[a] = (calls[a] ?? 0) + n);
  for (const f of plan.folders) add(f.kind === "workflowFolder" ? "CreateWorkflowFolder" : "CreateTaskFolder");
  for (const w of [...plan.workflows, ...(prune ? plan.prune.workflows : [])]) {
    if (w.op === "create") add("CreateTriggerWorkflow");
    if (w.op === "update") add("UpdateTriggerWorkflow");
    if (w.op === "replace") add("DeleteTriggerWorkflow"), add("CreateTriggerWorkflow");
    if (w.op === "delete") add("DeleteTriggerWorkflow");
  }
  for (const t of [...plan.tasks, ...(prune ? plan.prune.tasks : [])]) {
    if (t.op === "create") add("CreateTriggerTask");
    if (t.op === "update") add("UpdateTriggerTask");
    if (t.op === "replace") add("DeleteTriggerTask"), add("CreateTriggerTask");
    if (t.op === "delete") add("DeleteTriggerTask");
    if ((t.op === "update" || t.op === "noop") && t.detach?.length) add("UpdateTriggerTaskPartially");
    if (t.submit) add("SubmitTriggerTask");
  }
  return calls;
}

/** How many API calls (steps) applying `plan` makes in all, retries aside: what a progress bar counts. */
export const totalCalls = (plan: Plan, prune = false) =>
  Object.values(plannedCalls(plan, prune)).reduce((a, b) => a + (b ?? 0), 0);

/**
 * Expected apply time in seconds at the rate limit: actions run in parallel, each paced at `rate`
 * per second on the caller's slot grid (PACING_MARGIN wider than the limit), so the busiest action sets the pace.
 */
export function expectedSeconds(calls: Partial<Record<Action, number>>, rate: number): number {
  return Math.max(0, ...Object.values(calls).map((n) => (n * PACING_MARGIN) / rate));
}
