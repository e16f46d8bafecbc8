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

/**
 * Tasks by identity: the same name declared at the same place. Derived builders share their task's location
 * object, so the same object under the same name settles it without reading the location; only a lookup that
 * misses compares file, line and column with the entries of the same name. (A location is a captured stack
 * until read: formatting one per task cost a 10,000-task compile about a tenth of its time.)
 */
export class TaskIdentities<V> {
  readonly #byOrigin = new Map<SourceLocation, Map<string, V[]>>();
  readonly #byName = new Map<string, Array<{ readonly origin: SourceLocation; readonly values: V[] }>>();

  add(name: string, origin: SourceLocation, value: V): void {
    const names = this.#byOrigin.get(origin) ?? new Map<string, V[]>();
    this.#byOrigin.set(origin, names);
    const values = names.get(name);
    if (values) {
      values.push(value);
      return;
    }
    const entry = { origin, values: [value] };
    names.set(name, entry.values);
    const list = this.#byName.get(name);
    if (list) list.push(entry);
    else this.#byName.set(name, [entry]);
  }

  has(name: string, origin: SourceLocation): boolean {
    return this.#byOrigin.get(origin)?.has(name) === true || this.valuesOf(name, origin).length > 0;
  }

  /** Every value added under this identity (by this location object, or by another one at the same place). */
  valuesOf(name: string, origin: SourceLocation): V[] {
    const list = this.#byName.get(name);
    if (!list) return [];
    const own = this.#byOrigin.get(origin)?.get(name);
    if (own && list.length === 1) return own;
    const where = placeOf(origin);
    return list.filter((e) => e.origin === origin || placeOf(e.origin) === where).flatMap((e) => e.values);
  }
}

/** Whether two task references name the same task (see `TaskIdentities`). */
export const sameTask = (a: TaskIdentity, b: TaskIdentity) =>
  a.name === b.name && (a.origin === b.origin || placeOf(a.origin) === placeOf(b.origin));

interface TaskIdentity {
  readonly name: string;
  readonly origin: SourceLocation;
}

const placeOf = (loc: SourceLocation) => `${loc.file}:${loc.line}:${loc.column}`;

/** Gather the workflows a project's modules export (directly, or in arrays and plain objects). */
export function collectGraph(modules: readonly LoadedModule[], diagnostics: Diagnostic[]): CollectedGraph {
  const workflows = new Map<string, WorkflowNode>();
  const exportedTasks: Array<TaskNode & { exportedAs?: string }> = [];
  const exportedAt = new TaskIdentities<number>();
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
      const exported = { ...value.node, ...(depth === 0 && key !== undefined && { exportedAs: key }) };
      const [index] = exportedAt.valuesOf(value.name, value.node.origin);
      if (index !== undefined) exportedTasks[index] = exported;
      else exportedAt.add(value.name, value.node.origin, exportedTasks.push(exported) - 1);
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

  const placed = new TaskIdentities<true>();
  for (const wf of workflows.values()) for (const t of wf.tasks) placed.add(t.name, t.origin, true);
  const orphans = exportedTasks.filter((t) => !placed.has(t.name, t.origin));
  return { workflows: [...workflows.values()], orphans, withoutWorkflows };
}
