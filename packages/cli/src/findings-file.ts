/*
 * `wedata.doctor.json` at the project root: what `wedata doctor` measured per target, committed so a
 * fresh CI machine deploys with the same knowledge. Only doctor writes it, and only over a file it wrote.
 */
import { existsSync, lstatSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseFindingsFile, type Findings, type FindingsFile } from "@wedata-kit/deployer";
import { FileSafetyError, readRegularFile } from "@wedata-kit/files";

export const FINDINGS_FILE = "wedata.doctor.json";
const MAX_BYTES = 1024 * 1024;

/** The findings for a target, if doctor has run for it; a damaged file is an error, never ignored. */
export function readFindings(root: string, target: string): Findings | undefined {
  const file = join(root, FINDINGS_FILE);
  if (!existsSync(file)) return undefined;
  return parseFindingsFile(
    readRegularFile(file, MAX_BYTES, { noFollow: true, display: FINDINGS_FILE }).toString("utf8"),
    FINDINGS_FILE,
  ).targets[target];
}

/** Record a target's findings, keeping the other targets'. A file doctor did not write is never overwritten. */
export function writeFindings(root: string, target: string, findings: Findings): void {
  const file = join(root, FINDINGS_FILE);
  let current: FindingsFile = { generatedBy: "wedata doctor", format: 1, targets: {} };
  if (existsSync(file) || isLink(file)) {
    if (isLink(file) || !lstatSync(file).isFile())
      throw new FileSafetyError(
        "E_NOT_A_FILE",
        `${FINDINGS_FILE} is not a regular file; wedata doctor writes its findings there: move it away`,
      );
    try {
      current = parseFindingsFile(
        readRegularFile(file, MAX_BYTES, { noFollow: true, display: FINDINGS_FILE }).toString("utf8"),
        FINDINGS_FILE,
      );
    } catch (e) {
      throw new FileSafetyError(
        "E_NOT_OURS",
        `refusing to overwrite ${FINDINGS_FILE}: it is not a findings file wedata doctor wrote ` +
          `(${(e as Error).message})`,
      );
    }
  }
  const next: FindingsFile = { ...current, targets: { ...current.targets, [target]: findings } };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { flag: "wx" });
  renameSync(tmp, file);
}

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
