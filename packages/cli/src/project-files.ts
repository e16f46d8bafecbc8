/*
 * The folders wedata-kit writes in a user's project, each owned and marked (see @wedata-kit/files):
 * the review snapshot, `compile --out`, and `.wedata/` (local emulator data and read caches).
 */
import { isOutputFile, isSnapshotFile, MAX_CODE_BYTES } from "@wedata-kit/compiler";
import { OwnedFolder, safeFileName, type OwnedFolderSpec } from "@wedata-kit/files";

export const SNAPSHOT_SPEC: OwnedFolderSpec = { kind: "snapshot", what: "the snapshot folder", isOurs: isSnapshotFile };
export const OUTPUT_SPEC: OwnedFolderSpec = { kind: "compiled", what: "the --out folder", isOurs: isOutputFile };
/** `.wedata/`: the embedded emulator's data (`local/`), the read caches (`state/`) and local runs (`runs/`). */
export const WORK_SPEC: OwnedFolderSpec = {
  kind: "work",
  what: "the .wedata folder",
  isOurs: (rel) =>
    /^local\/[A-Za-z0-9_.-]+$/.test(rel) ||
    /^state\/[A-Za-z0-9_.-]+\.json$/.test(rel) ||
    /^runs\/[A-Za-z0-9_-]+\/[\p{L}\p{N}_./-]+$/u.test(rel),
};
export const WORK_DIR = ".wedata";

/** Largest snapshot or output file read back (a program is at most MAX_CODE_BYTES; JSON is small). */
export const MAX_OUTPUT_FILE = MAX_CODE_BYTES + 1024 * 1024;
/** Largest read cache accepted (tens of megabytes for 10,000 tasks). */
export const MAX_CACHE_BYTES = 512 * 1024 * 1024;

/** The `.wedata/` folder of a project, created and marked when missing. */
export const workFolder = (root: string) => OwnedFolder.open(root, WORK_DIR, WORK_SPEC);

/** The read cache of one target, by a file name safe whatever the target is called. */
export const readCacheFile = (targetName: string, projectId: string) =>
  `state/${safeFileName(`${targetName}-${projectId}`)}.json`;

/** A read cache kept in `.wedata/state/`: loaded with a bounded read, saved atomically. */
export interface CacheStore {
  /** The file, relative to the project root, for messages. */
  readonly name: string;
  load(): string | undefined;
  save(text: string): void;
}

export function cacheStore(root: string, targetName: string, projectId: string): CacheStore {
  const rel = readCacheFile(targetName, projectId);
  // Checked at once: a .wedata or .wedata/state that is a link stops the command before any request.
  const folder = workFolder(root);
  folder.folder("state");
  const open = () => folder;
  return {
    name: `${WORK_DIR}/${rel}`,
    load() {
      return open().read(rel, MAX_CACHE_BYTES)?.toString("utf8");
    },
    save(text) {
      open().write(rel, text);
    },
  };
}
