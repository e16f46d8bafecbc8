/*
 * Saved plans (`wedata plan --out`, `wedata deploy --plan`): a reviewed plan with fingerprints of the code
 * and the remote it was made from; applying it later is refused when either has changed since.
 */
import { canonicalJson, redactValue, sha256, type CompiledProject } from "@wedata-kit/compiler";
import type { Plan } from "./plan.js";
import type { RemoteState } from "./remote.js";
import { z } from "zod";

export const PLAN_FILE_VERSION = 1;

/** A reviewed plan, saved: what was planned, and fingerprints of the code and remote state it saw. */
export interface PlanFile {
  readonly version: typeof PLAN_FILE_VERSION;
  readonly createdAt: string;
  readonly target: Plan["target"];
  readonly prune: boolean;
  readonly submit: boolean;
  /** Hash of every compiled payload and the target. */
  readonly inputsHash: string;
  /** Hash of the remote state the plan was computed from (ids, versions, settings). */
  readonly remoteHash: string;
  /** Hash of the plan itself, recomputed and compared before applying. */
  readonly planHash: string;
  /** The plan, secrets redacted; apply uses the freshly compiled payloads it fingerprints. */
  readonly plan: Plan;
}

export function inputsHash(c: CompiledProject): string {
  return sha256(
    canonicalJson({
      target: c.target,
      workflows: c.workflows.map((w) => [w.name, w.hash]),
      tasks: c.tasks.map((t) => [t.key, t.hash]),
    }),
  );
}

export function remoteHash(r: RemoteState): string {
  return sha256(
    canonicalJson({
      workflows: r.workflows
        .map((w) => ({ id: w.id, name: w.name, folder: w.folder, detail: w.detail }))
        .sort((a, b) => a.id.localeCompare(b.id)),
      tasks: r.tasks
        .map((t) => ({ id: t.id, workflowId: t.workflowId, name: t.name, version: t.version, submitted: t.submitted }))
        .sort((a, b) => a.id.localeCompare(b.id)),
      workflowFolders: [...r.workflowFolders].sort(),
      taskFolders: [...r.taskFolders].sort(),
    }),
  );
}

export const planHash = (p: Plan) => sha256(canonicalJson(redactValue(p)));

export function makePlanFile(
  plan: Plan,
  compiled: CompiledProject,
  remote: RemoteState,
  opts: { prune: boolean; submit: boolean },
): PlanFile {
  return {
    version: PLAN_FILE_VERSION,
    createdAt: new Date().toISOString(),
    target: plan.target,
    ...opts,
    inputsHash: inputsHash(compiled),
    remoteHash: remoteHash(remote),
    planHash: planHash(plan),
    plan: redactValue(plan),
  };
}

/** Why a saved plan may not be applied now, or undefined when it still holds. */
export function stalePlanReason(
  file: PlanFile,
  plan: Plan,
  compiled: CompiledProject,
  remote: RemoteState,
): string | undefined {
  if (file.version !== PLAN_FILE_VERSION)
    return `the plan file has version ${String(file.version)}; this wedata-kit reads version ${PLAN_FILE_VERSION}`;
  if (file.target.projectId !== compiled.target.projectId || file.target.name !== compiled.target.name)
    return (
      `the plan is for target ${file.target.name} (project ${file.target.projectId}), ` +
      `not ${compiled.target.name} (project ${compiled.target.projectId})`
    );
  if (file.inputsHash !== inputsHash(compiled)) return "the code changed since the plan was made";
  if (file.remoteHash !== remoteHash(remote)) return "the remote WeData project changed since the plan was made";
  if (file.planHash !== planHash(plan)) return "the plan computed now differs from the saved one";
  return undefined;
}

const PlanFileSchema = z.object({
  version: z.literal(PLAN_FILE_VERSION),
  createdAt: z.string(),
  target: z.object({ name: z.string().min(1), projectId: z.string().regex(/^\d{1,20}$/), region: z.string().min(1) }),
  prune: z.boolean(),
  submit: z.boolean(),
  inputsHash: z.string().regex(/^[0-9a-f]{64}$/),
  remoteHash: z.string().regex(/^[0-9a-f]{64}$/),
  planHash: z.string().regex(/^[0-9a-f]{64}$/),
  plan: z
    .object({
      version: z.literal(1),
      folders: z.array(z.unknown()),
      workflows: z.array(z.unknown()),
      tasks: z.array(z.unknown()),
    })
    .passthrough(),
});

/** A saved plan read back as input: anything but a plan file of this version is refused, with the reason. */
export function parsePlanFile(text: string, file: string): PlanFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `${file} is not a plan file: it is not JSON (${(e as Error).message}); save one with \`wedata plan --out ` +
        `${file}\``,
    );
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (json !== null && typeof json === "object" && version !== undefined && version !== PLAN_FILE_VERSION) {
    throw new Error(
      `${file} is a plan file of version ${JSON.stringify(version)}; this wedata-kit reads version ` +
        `${PLAN_FILE_VERSION}: make it again with \`wedata plan --out\``,
    );
  }
  const r = PlanFileSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(
      `${file} is not a valid plan file (${i.path.join(".") || "top level"}: ${i.message}); save one with \`wedata ` +
        `plan --out ${file}\``,
    );
  }
  return r.data as unknown as PlanFile;
}

/** The flags a saved plan fixes; given on the command line, they must agree with it. */
export interface PlanFlags {
  readonly target?: string;
  readonly prune?: boolean;
  readonly submit?: boolean;
}

/** Why flags given explicitly conflict with a saved plan, or undefined: a saved plan is never overridden silently. */
export function planFlagConflict(file: PlanFile, flags: PlanFlags): string | undefined {
  const problems: string[] = [];
  if (flags.target !== undefined && flags.target !== file.target.name)
    problems.push(
      `--target ${flags.target} (the plan is for target ${file.target.name}, project ${file.target.projectId})`,
    );
  if (flags.prune !== undefined && flags.prune !== file.prune)
    problems.push(
      `${flags.prune ? "--prune" : "no --prune"} (the plan was made ${file.prune ? "with" : "without"} --prune)`,
    );
  if (flags.submit !== undefined && flags.submit !== file.submit)
    problems.push(
      `${flags.submit ? "submitting" : "--no-submit"} (the plan was made ` +
        `${file.submit ? "to submit" : "with --no-submit"})`,
    );
  return problems.length
    ? `the command line conflicts with the saved plan: ${problems.join("; ")}. Drop the flag, or make a new plan ` +
        `with it`
    : undefined;
}
