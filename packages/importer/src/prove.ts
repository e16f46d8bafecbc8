import type { Plan } from "@wedata-kit/deployer";
import type { LossyField } from "./generate.js";

const show = (v: unknown) => {
  const s = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v ?? null);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/**
 * The proof of an import: what a plan of the written code against the remote it was read from would
 * change, as lossy fields (nothing, when the code reproduces the remote). `skipped` tasks were left out
 * on purpose and reported already.
 */
export function importDifferences(plan: Plan, skipped: readonly string[]): LossyField[] {
  const out: LossyField[] = [];
  for (const w of plan.workflows) {
    if (w.op === "noop") continue;
    if (w.op === "create")
      out.push({ workflow: w.name, message: "the code creates it anew instead of matching the remote workflow" });
    else
      for (const f of w.fields)
        out.push({
          workflow: w.name,
          message: `${f.path}: the remote has ${show(f.from)}, the code gives ${show(f.to)}`,
        });
  }
  for (const t of plan.tasks) {
    if (t.op === "noop") continue;
    if (t.op === "create" || t.op === "replace")
      out.push({
        workflow: t.workflow,
        task: t.name,
        message: `the next deploy would ${t.op} it${t.reason ? ` (${t.reason})` : ""}`,
      });
    else
      for (const f of t.fields)
        out.push({
          workflow: t.workflow,
          task: t.name,
          message: `${f.path}: the remote has ${show(f.from)}, the code gives ${show(f.to)}`,
        });
  }
  const left = new Set(skipped);
  for (const key of plan.unmanaged)
    if (!left.has(key))
      out.push({
        workflow: key.slice(0, key.indexOf("/")),
        task: key.slice(key.indexOf("/") + 1),
        message: "it exists remotely but not in the code",
      });
  return out;
}
