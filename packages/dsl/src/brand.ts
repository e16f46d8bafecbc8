/*
 * Whether a value is a task or a workflow builder, by the brand each carries: task.ts and workflow.ts both
 * need to tell them apart, and import these checks from here rather than from each other.
 */
import { TASK_BRAND, WORKFLOW_BRAND } from "./ir.js";
import type { TaskBuilder } from "./task.js";
import type { WorkflowBuilder } from "./workflow.js";

export function isTask(value: unknown): value is TaskBuilder {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[TASK_BRAND] === true;
}

export function isWorkflow(value: unknown): value is WorkflowBuilder {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[WORKFLOW_BRAND] === true;
}
