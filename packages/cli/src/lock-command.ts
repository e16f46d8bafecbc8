import { basename } from "node:path";
import { breakLock, RateLimitedCaller, readLock } from "@wedata-kit/deployer";
import pc from "picocolors";
import { loadTargetConfig } from "./compile-project.js";
import { connectTarget } from "./connect.js";
import type { Io } from "./io.js";

/** `wedata lock status` and `wedata lock release [--force]`. */
export async function lockCommand(
  action: "status" | "release",
  o: { cwd: string; target?: string; force: boolean },
  io: Io,
): Promise<number> {
  const { config, targetName, targetConfig } = await loadTargetConfig(o.cwd, o.target);
  const connection = await connectTarget(config.root, targetConfig);
  try {
    const place = {
      caller: new RateLimitedCaller(connection.api),
      projectId: targetConfig.projectId,
      project: config.config.name ?? basename(config.root),
    };
    const current = await readLock(place);
    const expired = current?.info ? Date.parse(current.info.expires) <= Date.now() : false;
    if (action === "status") {
      if (!current) io.out(`No deploy holds the lock of ${place.project} on target ${targetName}.\n`);
      else if (!current.info)
        io.out(
          `The lock of ${place.project} on target ${targetName} exists but records no holder (task ` +
            `${current.taskId}).\n`,
        );
      else
        io.out(
          `${expired ? pc.yellow("Expired lock") : pc.bold("Locked")} by ${current.info.owner} ` +
            `(${current.info.command}) since ${current.info.started}, ${expired ? "expired" : "until"} ` +
            `${current.info.expires}.\n`,
        );
      return 0;
    }
    if (!current) {
      io.out(`No lock to release on target ${targetName}.\n`);
      return 0;
    }
    if (!o.force && current.info && !expired) {
      io.err(
        `${pc.red("error")}: the lock is held by ${current.info.owner} (${current.info.command}) until ` +
          `${current.info.expires}; if that deploy was killed, release it with --force\n`,
      );
      return 1;
    }
    const was = await breakLock(place);
    io.out(`Released the lock${was ? ` held by ${was.owner} since ${was.started}` : ""}.\n`);
    return 0;
  } finally {
    await connection.close();
  }
}
