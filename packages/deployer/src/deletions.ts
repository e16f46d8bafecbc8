/*
 * Deletions need intent. A whole workflow disappearing from the code is more often a missing `export`
 * or a pipeline file dropped from `wedata.config.ts` than a decision, so `--prune` deletes a whole
 * workflow (or every task of one) only when it is named, and refuses a plan that deletes more than a
 * threshold unless that is confirmed too.
 */
import type { Plan } from "./plan.js";

export interface DeletionPolicy {
  /** Workflows whose deletion (the workflow, or all of its tasks) is intended: `--allow-delete NAME`. */
  readonly allowDelete: readonly string[];
  /** More task deletions than this need `allowMassDelete` (default 10). */
  readonly maxDeletes?: number;
  /** More than this share of the project's deployed tasks, in percent, needs `allowMassDelete` (default 20). */
  readonly maxDeletePercent?: number;
  readonly allowMassDelete?: boolean;
  /** Tasks of this project deployed now, for the percentage. */
  readonly deployedTasks: number;
}

export interface GuardedDeletions {
  /** The plan with only the deletions that may be applied. */
  readonly plan: Plan;
  /** Workflows going away whole (gone from the code, or left with no tasks), each with its task count. */
  readonly wholeWorkflows: ReadonlyArray<{
    readonly name: string;
    readonly tasks: number;
    readonly allowed: boolean;
    readonly declared: boolean;
  }>;
  /** Why the deletions may not be applied at all, when they exceed the threshold. */
  readonly refusal?: string;
}

export const DEFAULT_MAX_DELETES = 10;
export const DEFAULT_MAX_DELETE_PERCENT = 20;

/** Which of the plan's deletions may be applied under `policy`; pure. */
export function guardDeletions(plan: Plan, policy: DeletionPolicy): GuardedDeletions {
  const declared = new Set(plan.workflows.map((w) => w.name));
  const remaining = new Set(plan.tasks.map((t) => t.workflow));
  const gone = new Map<string, { tasks: number; declared: boolean }>();
  for (const w of plan.prune.workflows) gone.set(w.name, { tasks: 0, declared: false });
  for (const t of plan.prune.tasks) {
    // Every task of a workflow that is still declared but holds none in the code goes too: the same loss.
    if (gone.has(t.workflow) || (declared.has(t.workflow) && !remaining.has(t.workflow))) {
      const g = gone.get(t.workflow) ?? { tasks: 0, declared: true };
      gone.set(t.workflow, { ...g, tasks: g.tasks + 1 });
    }
  }
  const allowed = new Set(policy.allowDelete);
  const wholeWorkflows = [...gone]
    .map(([name, g]) => ({ name, ...g, allowed: allowed.has(name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const held = new Set(wholeWorkflows.filter((w) => !w.allowed).map((w) => w.name));
  const guarded: Plan = {
    ...plan,
    prune: {
      workflows: plan.prune.workflows.filter((w) => !held.has(w.name)),
      tasks: plan.prune.tasks.filter((t) => !held.has(t.workflow)),
    },
  };
  const count = guarded.prune.tasks.length;
  const maxDeletes = policy.maxDeletes ?? DEFAULT_MAX_DELETES;
  const maxPercent = policy.maxDeletePercent ?? DEFAULT_MAX_DELETE_PERCENT;
  const percent = policy.deployedTasks > 0 ? (100 * count) / policy.deployedTasks : 0;
  const tooMany = count > maxDeletes || (count > 1 && percent > maxPercent);
  const refusal =
    tooMany && !policy.allowMassDelete
      ? `this plan deletes ${count} task(s), ${percent.toFixed(0)}% of the ${policy.deployedTasks} this project has ` +
        `deployed (the limits are ${maxDeletes} tasks and ${maxPercent}%); if that is intended, run again with ` +
        `--allow-mass-delete`
      : undefined;
  return { plan: guarded, wholeWorkflows, ...(refusal && { refusal }) };
}
