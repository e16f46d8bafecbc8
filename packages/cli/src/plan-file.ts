import { canonicalJson, redactValue, sha256, type CompiledProject } from "@wedata-kit/compiler";
import type { Plan, RemoteState } from "@wedata-kit/deployer";

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
  return sha256(canonicalJson({ target: c.target, workflows: c.workflows.map((w) => [w.name, w.hash]), tasks: c.tasks.map((t) => [t.key, t.hash]) }));
}

export function remoteHash(r: RemoteState): string {
  return sha256(
    canonicalJson({
      workflows: r.workflows.map((w) => ({ id: w.id, name: w.name, folder: w.folder, detail: w.detail })).sort((a, b) => a.id.localeCompare(b.id)),
      tasks: r.tasks.map((t) => ({ id: t.id, workflowId: t.workflowId, name: t.name, version: t.version, submitted: t.submitted })).sort((a, b) => a.id.localeCompare(b.id)),
      workflowFolders: [...r.workflowFolders].sort(),
      taskFolders: [...r.taskFolders].sort(),
    }),
  );
}

export const planHash = (p: Plan) => sha256(canonicalJson(redactValue(p)));

export function makePlanFile(plan: Plan, compiled: CompiledProject, remote: RemoteState, opts: { prune: boolean; submit: boolean }): PlanFile {
  return { version: PLAN_FILE_VERSION, createdAt: new Date().toISOString(), target: plan.target, ...opts, inputsHash: inputsHash(compiled), remoteHash: remoteHash(remote), planHash: planHash(plan), plan: redactValue(plan) };
}

/** Why a saved plan may not be applied now, or undefined when it still holds. */
export function stalePlanReason(file: PlanFile, plan: Plan, compiled: CompiledProject, remote: RemoteState): string | undefined {
  if (file.version !== PLAN_FILE_VERSION) return `the plan file has version ${String(file.version)}; this wedata-kit reads version ${PLAN_FILE_VERSION}`;
  if (file.target.projectId !== compiled.target.projectId || file.target.name !== compiled.target.name) return `the plan is for target ${file.target.name} (project ${file.target.projectId}), not ${compiled.target.name} (project ${compiled.target.projectId})`;
  if (file.inputsHash !== inputsHash(compiled)) return "the code changed since the plan was made";
  if (file.remoteHash !== remoteHash(remote)) return "the remote WeData project changed since the plan was made";
  if (file.planHash !== planHash(plan)) return "the plan computed now differs from the saved one";
  return undefined;
}
