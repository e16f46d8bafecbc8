import { RateLimitedCaller, runDoctor } from "@wedata-kit/deployer";
import pc from "picocolors";
import { loadTargetConfig } from "./compile-project.js";
import { connectTarget } from "./connect.js";
import { FINDINGS_FILE, writeFindings } from "./findings-file.js";
import type { Io } from "./io.js";

/** `wedata doctor`: check on the target what wedata-kit relies on; exit 1 where it cannot work safely. */
export async function doctorCommand(o: { cwd: string; target?: string; sampleTask?: string }, io: Io): Promise<number> {
  const { config, targetName, targetConfig } = await loadTargetConfig(o.cwd, o.target);
  const connection = await connectTarget(config.root, targetConfig);
  const ac = new AbortController();
  const onSigint = () => {
    io.err(`\n${pc.yellow("stopping")}: removing the scratch workflow first\n`);
    ac.abort();
  };
  process.once("SIGINT", onSigint);
  try {
    io.out(
      pc.bold(
        `wedata doctor: target ${targetName}, project ${targetConfig.projectId}, via ${connection.description}\n\n`,
      ),
    );
    const report = await runDoctor(new RateLimitedCaller(connection.api), targetConfig.projectId, {
      signal: ac.signal,
      ...(o.sampleTask && { sampleTask: o.sampleTask }),
    });
    for (const c of report.checks) {
      io.out(
        `${c.ok ? pc.green("ok  ") : pc.red("FAIL")} ${c.check}\n     expected: ${c.expected}\n     observed: ` +
          `${c.observed}\n     wedata-kit: ${c.consequence}\n`,
      );
    }
    io.out(
      report.cleanedUp
        ? "\nThe scratch workflow and its tasks were removed.\n"
        : `\n${pc.red("Could not remove everything the checks created")}: look for a workflow named ` +
            `wedata_kit_doctor_* in /wedata-kit.\n`,
    );
    writeFindings(config.root, targetName, report.findings);
    io.out(
      `The findings for target ${targetName} are in ${FINDINGS_FILE} (commit it: plans and deploys read it, in CI ` +
        `too).\n`,
    );
    return report.checks.every((c) => c.ok) && report.cleanedUp ? 0 : 1;
  } finally {
    process.removeListener("SIGINT", onSigint);
    await connection.close();
  }
}
