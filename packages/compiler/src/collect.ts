import { isTask, isWorkflow, type SourceLocation, type TaskNode, type WorkflowNode } from "@wedata-kit/dsl";
import type { Diagnostic } from "./diagnostics.js";
import type { LoadedModule } from "./model.js";

export interface CollectedGraph {
  readonly workflows: readonly WorkflowNode[];
  /** Tasks exported by a module but placed in no workflow, with the name they are exported as. */
  readonly orphans: ReadonlyArray<TaskNode & { readonly exportedAs?: string }>;
  /** Modules that export no workflow at all. */
  readonly withoutWorkflows: readonly string[];
}

export const identityOf = (name: string, origin: SourceLocation) =>
  `${origin.file}:${origin.line}:${origin.column}#${name}`;

/** Gather the workflows a project's modules export (directly, or in arrays and plain objects). */
export function collectGraph(modules: readonly LoadedModule[], diagnostics: Diagnostic[]): CollectedGraph {
  const workflows = new Map<string, WorkflowNode>();
  const exportedTasks = new Map<string, TaskNode & { exportedAs?: string }>();
  let exportedWorkflowHits = 0;
  const visit = (value: unknown, depth: number, key?: string): void => {
    if (isWorkflow(value)) {
      exportedWorkflowHits++;
      const node = value.node;
      const seen = workflows.get(node.name);
      if (!seen) workflows.set(node.name, node);
      else if (seen !== node) {
        diagnostics.push({
          code: "E_DUPLICATE_WORKFLOW",
          message: `workflow "${node.name}" is declared twice (first at ${seen.origin.file}:${seen.origin.line})`,
          loc: node.origin,
          hint: "workflow names are unique within a project; rename one, or export only the final builder",
        });
      }
    } else if (isTask(value)) {
      exportedTasks.set(identityOf(value.name, value.node.origin), {
        ...value.node,
        ...(depth === 0 && key !== undefined && { exportedAs: key }),
      });
    } else if (
      depth < 2 &&
      value &&
      typeof value === "object" &&
      (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)
    ) {
      for (const v of Object.values(value)) visit(v, depth + 1);
    }
  };
  const withoutWorkflows: string[] = [];
  for (const m of modules) {
    const before = workflows.size + exportedWorkflowHits;
    for (const [k, v] of Object.entries(m.exports)) visit(v, 0, k);
    if (workflows.size + exportedWorkflowHits === before) withoutWorkflows.push(m.file);
  }

  const placed = new Set<string>();
  for (const wf of workflows.values()) for (const t of wf.tasks) placed.add(identityOf(t.name, t.origin));
  const orphans = [...exportedTasks.entries()].filter(([id]) => !placed.has(id)).map(([, t]) => t);
  return { workflows: [...workflows.values()], orphans, withoutWorkflows };
}
