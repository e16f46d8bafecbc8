/*
 * The JSON plan (`wedata plan --json`, `wedata plan --out`), version 1, as a schema: tests validate real
 * output against it, and `docs/plan.v1.schema.json` is generated from it (checked for staleness).
 */
import { z } from "zod";

const loc = z.object({ file: z.string(), line: z.number().int(), column: z.number().int() });
const field = z.object({
  path: z.string().describe("dotted path of the changed field"),
  from: z.unknown().describe("the remote value (ids shown as names, enums with labels)"),
  to: z.unknown().describe("the value from the code"),
});
const op = z.enum(["create", "update", "replace", "delete", "noop"]);

export const WorkflowChangeSchema = z.object({
  kind: z.literal("workflow"),
  op,
  name: z.string(),
  id: z.string().optional().describe("remote WorkflowId (the one replaced or deleted, for those ops)"),
  fields: z.array(field),
  reason: z.string().optional(),
  payload: z.record(z.string(), z.unknown()).optional().describe("CreateTriggerWorkflow body, placeholders unresolved"),
  managed: z.boolean(),
  loc: loc.optional(),
  summary: z.record(z.string(), z.unknown()).optional().describe("creates: folder, schedule, status, parameters"),
});

export const TaskChangeSchema = z.object({
  kind: z.literal("task"),
  op,
  key: z.string().describe("workflow/task"),
  workflow: z.string(),
  name: z.string(),
  id: z.string().optional(),
  fields: z.array(field),
  codeDiff: z.string().optional().describe("unified diff of the decoded program"),
  reason: z.string().optional(),
  submit: z.boolean().describe("a new version is submitted to production after the change"),
  detach: z.array(z.string()).optional(),
  dependsOn: z.array(z.string()),
  needsWorkflows: z.array(z.string()),
  downstreamIds: z.array(z.string()).optional(),
  remoteUpstreamIds: z.array(z.string()).optional(),
  fromKey: z.string().optional().describe("a moved task: its key in the workflow it leaves"),
  ownedBy: z.string().optional().describe("another wedata-kit project's mark on the remote task"),
  summary: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("creates and replaces: kind, upstream tasks by name, folder, policy, code"),
  payload: z.record(z.string(), z.unknown()).optional(),
  keepExt: z
    .array(z.object({ ParamKey: z.string(), ParamValue: z.string() }))
    .optional()
    .describe("extension keys a full update sends back as read; absent when the task was known from the deploy state"),
  dropExt: z
    .array(z.string())
    .optional()
    .describe("extension keys wedata-kit wrote before that the code no longer sets"),
  drift: z
    .object({ by: z.string().optional(), at: z.string().optional() })
    .optional()
    .describe("changed outside wedata-kit since the last deploy: who and when"),
  seen: z
    .object({ v: z.string(), u: z.string() })
    .optional()
    .describe("version and update time the plan's task list showed"),
  remoteOwnerUin: z.string().optional(),
  folderType: z.string().optional(),
  loc: loc.optional(),
});

const FolderChangeSchema = z.union([
  z.object({ kind: z.literal("workflowFolder"), path: z.string() }),
  z.object({ kind: z.literal("taskFolder"), workflow: z.string(), type: z.string(), path: z.string() }),
]);

export const PlanSchema = z
  .object({
    version: z.literal(1).describe("the plan format version; a new version is a new schema file"),
    project: z.string().describe("the wedata-kit project name (the ownership mark)"),
    target: z.object({ name: z.string(), projectId: z.string(), region: z.string() }),
    folders: z.array(FolderChangeSchema),
    workflows: z.array(WorkflowChangeSchema),
    tasks: z.array(TaskChangeSchema),
    prune: z
      .object({ workflows: z.array(WorkflowChangeSchema), tasks: z.array(TaskChangeSchema) })
      .describe("deletions of what this project owns that left the code; applied only with --prune"),
    unmanaged: z
      .array(z.string())
      .describe("remote tasks in managed workflows this project did not create: never touched"),
    keptBack: z
      .array(z.object({ key: z.string(), reason: z.string() }))
      .optional()
      .describe("deletions held back: a task not this project's depends on it (or a workflow still holds one)"),
    stateBehind: z
      .boolean()
      .optional()
      .describe("the deploy state on the target is missing or behind: a deploy records it even when nothing changes"),
    unmodelled: z
      .record(z.string(), z.number())
      .optional()
      .describe("of the unmanaged tasks, those of kinds wedata-kit does not model, with their type id"),
    remoteIds: z.object({ workflows: z.record(z.string(), z.string()), tasks: z.record(z.string(), z.string()) }),
  })
  .describe("A wedata-kit deployment plan, version 1");

/** What `wedata plan --json` prints. */
export const PlanOutputSchema = z.object({
  plan: PlanSchema,
  reads: z.record(z.string(), z.number()).describe("API calls made to read the remote, per action"),
});
