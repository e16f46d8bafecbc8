import { canonicalJson, canonicalText } from "./canonical.js";
import type { CompiledProject } from "./model.js";

export const MANIFEST_VERSION = 1;

/** Whether a path (relative to a `compile --out` folder) is one `renderOutput` writes. */
export const isOutputFile = (rel: string) =>
  rel === "manifest.json" || /^[\p{L}\p{N}_-]+\/(?:workflow|tasks\/[\p{L}\p{N}_-]+)\.json$/u.test(rel);

/** The compiled output as files (relative path -> content): one per resource, plus a manifest. */
export function renderOutput(project: CompiledProject): Map<string, string> {
  type Resource = { dependsOn?: string[]; existingId?: string; file?: string; hash: string };
  const files = new Map<string, string>();
  const workflows: Array<[string, Resource]> = [];
  for (const w of project.workflows) {
    if (w.payload) {
      const file = `${w.name}/workflow.json`;
      files.set(file, canonicalJson(w.payload));
      workflows.push([`workflow:${w.name}`, { file, hash: w.hash }]);
    } else {
      workflows.push([`workflow:${w.name}`, { existingId: w.existingId!, hash: w.hash }]);
    }
  }
  // Built in the canonical writer's order (tasks sort before workflows; keys in order), so freezing the manifest
  // copies nothing.
  const resources: Record<string, Resource> = {};
  for (const t of project.tasks) {
    const file = `${t.workflow}/tasks/${t.name}.json`;
    files.set(file, canonicalJson(t.payload));
    resources[`task:${t.key}`] = { dependsOn: [...t.dependsOn], file, hash: t.hash };
  }
  for (const [key, r] of workflows) resources[key] = r;
  // Frozen on the way (its own objects; the arrays are copies): written natively, its keys being in order.
  files.set(
    "manifest.json",
    canonicalText({
      folders: {
        task: project.taskFolders.map((f) => ({ path: f.path, type: f.type, workflow: f.workflow })),
        workflow: [...project.workflowFolders],
      },
      order: [...project.order],
      resources,
      target: { name: project.target.name, projectId: project.target.projectId, region: project.target.region },
      version: MANIFEST_VERSION,
    }),
  );
  return files;
}
