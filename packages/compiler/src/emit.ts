import { canonicalJson, freezeCanonical } from "./canonical.js";
import type { CompiledProject } from "./model.js";

export const MANIFEST_VERSION = 1;

/** Whether a path (relative to a `compile --out` folder) is one `renderOutput` writes. */
export const isOutputFile = (rel: string) =>
  rel === "manifest.json" || /^[\p{L}\p{N}_-]+\/(?:workflow|tasks\/[\p{L}\p{N}_-]+)\.json$/u.test(rel);

/** The compiled output as files (relative path -> content): one per resource, plus a manifest. */
export function renderOutput(project: CompiledProject): Map<string, string> {
  const files = new Map<string, string>();
  const resources: Record<string, { file?: string; hash: string; existingId?: string; dependsOn?: string[] }> = {};
  for (const w of project.workflows) {
    if (w.payload) {
      const file = `${w.name}/workflow.json`;
      files.set(file, canonicalJson(w.payload));
      resources[`workflow:${w.name}`] = { file, hash: w.hash };
    } else {
      resources[`workflow:${w.name}`] = { existingId: w.existingId!, hash: w.hash };
    }
  }
  for (const t of project.tasks) {
    const file = `${t.workflow}/tasks/${t.name}.json`;
    files.set(file, canonicalJson(t.payload));
    resources[`task:${t.key}`] = { file, hash: t.hash, dependsOn: [...t.dependsOn] };
  }
  // Frozen on the way (its own objects; the arrays are copies): written natively once its keys are in order.
  files.set(
    "manifest.json",
    canonicalJson(
      freezeCanonical({
        version: MANIFEST_VERSION,
        target: { name: project.target.name, projectId: project.target.projectId, region: project.target.region },
        order: [...project.order],
        resources,
        folders: { workflow: [...project.workflowFolders], task: project.taskFolders.map((f) => ({ ...f })) },
      }),
    ),
  );
  return files;
}
