/** Placeholders for ids that only exist after deploy; the deployer swaps them for real ids. */
export const workflowPlaceholder = (workflow: string) => `$ref:workflow/${workflow}`;
export const taskPlaceholder = (workflow: string, task: string) => `$ref:task/${workflow}/${task}`;
export const PLACEHOLDER = /^\$ref:(workflow|task)\/(.+)$/;

/** The logical key of a task: workflow name and task name. */
export const taskKey = (workflow: string, task: string) => `${workflow}/${task}`;

/** Parse a placeholder back into the logical key it names (`daily_etl` or `daily_etl/load`). */
export function parsePlaceholder(value: string): { kind: "workflow" | "task"; key: string } | undefined {
  const m = PLACEHOLDER.exec(value);
  return m ? { kind: m[1] as "workflow" | "task", key: m[2]! } : undefined;
}

/** The task name a task placeholder names (`$ref:task/w/load` -> `load`); any other value as it is. */
export function taskNameOf(value: string): string {
  const ref = parsePlaceholder(value);
  return ref?.kind === "task" ? ref.key.slice(ref.key.indexOf("/") + 1) : value;
}
