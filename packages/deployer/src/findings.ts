/*
 * What `wedata doctor` measured on a target, as the deployer uses it. The CLI keeps it in
 * `wedata.doctor.json` at the project root (committed, so a fresh CI machine has it too); the deployer
 * only reads the parsed value: the Run Workflow keys it writes, how long to wait for a list to show a
 * created task, and whether the ownership marks survive on this service.
 */
import type { CompiledProject, CompiledTask } from "@wedata-kit/compiler";
import { z } from "zod";

/** The extension keys Run Workflow tasks are written with unless doctor found others. */
export const RUN_WORKFLOW_KEYS = { id: "subWorkflowId", name: "subWorkflowName" } as const;

export const FindingsSchema = z.object({
  projectId: z.string(),
  checkedAt: z.string(),
  /** The error code a duplicate task name and a duplicate workflow name got. */
  duplicateTaskCode: z.string().optional(),
  duplicateWorkflowCode: z.string().optional(),
  /** How long a created task took to appear in ListTriggerTasks (ms). */
  listLagMs: z.number().int().min(0).optional(),
  /** Whether a custom extension key (the ownership mark) and a BundleInfo without BundleId are kept. */
  customExtKeyKept: z.boolean().optional(),
  bundleInfoKept: z.boolean().optional(),
  /** Extension keys the server added, by task type id. */
  serverKeys: z.record(z.string(), z.array(z.string())).optional(),
  /** The keys naming the workflow a Run Workflow task runs, and whether they were confirmed on this target. */
  runWorkflow: z
    .object({ id: z.string(), name: z.string(), confirmed: z.boolean(), from: z.enum(["round-trip", "sample-task"]) })
    .optional(),
});
export type Findings = z.infer<typeof FindingsSchema>;

export const FindingsFileSchema = z.object({
  generatedBy: z.literal("wedata doctor"),
  format: z.literal(1),
  targets: z.record(z.string(), FindingsSchema),
});
export type FindingsFile = z.infer<typeof FindingsFileSchema>;

/** Parse the findings file's text; a problem is an error naming what is wrong (never silently ignored). */
export function parseFindingsFile(text: string, name: string): FindingsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name} is not JSON (${(e as Error).message}); run \`wedata doctor\` again to rewrite it`);
  }
  const r = FindingsFileSchema.safeParse(json);
  if (!r.success)
    throw new Error(
      `${name}: ${r.error.issues[0]?.path.join(".") || "top level"}: ` +
        `${r.error.issues[0]?.message ?? "unexpected shape"}; run \`wedata doctor\` again to rewrite it`,
    );
  return r.data;
}

/** Whether doctor confirmed, on this target, the keys Run Workflow tasks are written with. */
export const runWorkflowConfirmed = (f: Findings | undefined) =>
  f?.runWorkflow !== undefined && (f.runWorkflow.confirmed || f.runWorkflow.from === "sample-task");

/**
 * The compiled project as this target needs it: Run Workflow tasks name their workflow in the keys
 * doctor found (read from a task made in the console with `--sample-task`), when those differ.
 */
export function applyFindings(compiled: CompiledProject, f: Findings | undefined): CompiledProject {
  const keys = f?.runWorkflow;
  if (!keys || (keys.id === RUN_WORKFLOW_KEYS.id && keys.name === RUN_WORKFLOW_KEYS.name)) return compiled;
  const rename = (k: string) => (k === RUN_WORKFLOW_KEYS.id ? keys.id : k === RUN_WORKFLOW_KEYS.name ? keys.name : k);
  const tasks = compiled.tasks.map((t): CompiledTask => {
    if (t.payload.TriggerTaskBaseAttribute.TaskTypeId !== "140") return t;
    const ext = (t.payload.TriggerTaskConfiguration.TaskExtConfigurationList ?? []).map((e) => ({
      ...e,
      ParamKey: rename(e.ParamKey),
    }));
    return {
      ...t,
      payload: {
        ...t.payload,
        TriggerTaskConfiguration: { ...t.payload.TriggerTaskConfiguration, TaskExtConfigurationList: ext },
      },
    };
  });
  return { ...compiled, tasks };
}

/** The Run Workflow tasks of a project (for the unverified-keys warning). */
export const runWorkflowTasks = (compiled: CompiledProject) =>
  compiled.tasks.filter((t) => t.payload.TriggerTaskBaseAttribute.TaskTypeId === "140").map((t) => t.key);

/**
 * The warning a plan to a real target gives while doctor has not confirmed the Run Workflow keys there
 * (undefined when the project has no Run Workflow task, or the keys are confirmed).
 */
export function runWorkflowWarning(
  compiled: CompiledProject,
  f: Findings | undefined,
  target: string,
): string | undefined {
  const tasks = runWorkflowTasks(compiled);
  if (tasks.length === 0 || runWorkflowConfirmed(f)) return undefined;
  const keys = `${RUN_WORKFLOW_KEYS.id}, ${RUN_WORKFLOW_KEYS.name}`;
  const which = `${tasks.slice(0, 3).join(", ")}${tasks.length > 3 ? ", ..." : ""}`;
  return (
    `the extension keys Run Workflow tasks name their workflow with (${keys}) are not confirmed on target ` +
    `${target} (${which}): run \`wedata doctor --target ${target}\` once (with --sample-task <id of a Run ` +
    "Workflow task made in the console> if it reports other keys)"
  );
}
