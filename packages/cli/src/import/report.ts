import { formatDiagnostic } from "@wedata-kit/compiler";
import pc from "picocolors";
import type { Io } from "../main.js";
import type { ImportReport } from "./command.js";

/** Print what an import read, wrote and proved; returns the exit code. */
export function printImportReport(
  r: ImportReport,
  o: { projectId: string; out: string; allowLossy: boolean; root: string },
  io: Io,
): number {
  const programs = r.generated.files.size - r.generated.pipelineFiles.length;
  io.out(
    `read ${r.workflows.length} workflow(s) and ${r.tasks} task(s) from project ${o.projectId} (${r.calls} API ` +
      `calls)\n`,
  );
  if (r.buildError) {
    for (const d of r.buildError.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    io.err(
      `${pc.red("error")}: the generated code does not compile (${r.buildError.diagnostics.length} problem(s)); ` +
        `nothing was kept. Please report this with the messages above.\n`,
    );
    return 1;
  }
  for (const n of r.generated.notImportable)
    io.out(
      `not importable: ${n.key} is of a kind wedata-kit does not model (TaskTypeId ${n.typeId}); it stays out of the ` +
        `code, and deploys list it as unmanaged and never touch it\n`,
    );
  if (r.lossy.length) {
    const stream = r.kept ? io.out : io.err;
    stream(
      `${r.kept ? pc.yellow("lossy") : pc.red("lossy")}: ${r.lossy.length} thing(s) the code does not reproduce:\n`,
    );
    for (const l of r.lossy)
      stream(`  ${l.task !== undefined ? `${l.workflow}/${l.task}` : l.workflow}: ${l.message}\n`);
    if (!r.kept) {
      io.err(
        `nothing was written. Fix these in WeData, or run again with --allow-lossy to keep the code as it is (the ` +
          `next plan then shows the differences).\n`,
      );
      return 1;
    }
  }
  io.out(
    `wrote ${r.generated.pipelineFiles.length} pipeline file(s) and ${programs} program file(s) under ${o.out}/:\n`,
  );
  for (const f of r.generated.pipelineFiles) io.out(`  ${f}\n`);
  if (r.configUpdated) io.out(`pipelines in wedata.config.ts list them\n`);
  else io.out(`add them to pipelines in wedata.config.ts (it computes the list, so it was not edited)\n`);
  io.out(
    r.lossy.length
      ? `proof: the code compiles; a plan of it against project ${o.projectId} differs only as listed above\n`
      : `${pc.green("proof")}: the code type-checks and compiles, and a plan of it against project ` +
          `${o.projectId} shows no changes\n`,
  );
  if (r.generated.secrets.length) {
    // Worded so the redactor, which hides words after key-like names, leaves the variable names readable.
    io.out(
      `the code reads ${r.generated.secrets.length} value(s) with env() instead of holding them; set these before ` +
        `compiling or deploying (locally, or as CI secrets):\n`,
    );
    for (const x of r.generated.secrets)
      io.out(`  ${x.where.slice(0, 3).join(", ")}${x.where.length > 3 ? ", ..." : ""} -> $${x.name}\n`);
  }
  if (r.unsubmitted.length)
    io.out(
      `note: ${r.unsubmitted.length} task(s) have a saved version that is not submitted ` +
        `(${r.unsubmitted.slice(0, 5).join(", ")}${r.unsubmitted.length > 5 ? ", ..." : ""}); the next deploy ` +
        `submits them\n`,
    );
  io.out(
    `next: \`wedata plan\` shows no changes; the next deploy adopts these resources (same ids) and marks each task ` +
      `as this project's when it first changes\n`,
  );
  return 0;
}
