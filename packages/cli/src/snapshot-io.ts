import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { FileSafetyError, listFolder, OWNED_MARKER, readRegularFile } from "@wedata-kit/files";
import { MAX_OUTPUT_FILE } from "./project-files.js";

/**
 * Every file under a snapshot folder given on the command line, by path relative to it: walked without
 * following links (a link or special file is refused), each read bounded.
 */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  const { files, special } = listFolder(dir);
  if (special.length > 0)
    throw new FileSafetyError(
      "E_SYMLINK",
      `${join(dir, special[0]!.path)} is ${special[0]!.kind}; snapshot folders are read without following links`,
    );
  for (const rel of files.keys())
    out.set(rel, readRegularFile(join(dir, ...rel.split("/")), MAX_OUTPUT_FILE, { noFollow: true }).toString("utf8"));
  out.delete(OWNED_MARKER);
  return out;
}

/** Paths that differ between the files wanted and those on disk. */
export function staleFiles(
  wanted: ReadonlyMap<string, string>,
  onDisk: ReadonlyMap<string, string>,
): Array<{ path: string; why: "missing" | "changed" | "extra" }> {
  const out: Array<{ path: string; why: "missing" | "changed" | "extra" }> = [];
  for (const [p, c] of wanted) {
    if (!onDisk.has(p)) out.push({ path: p, why: "missing" });
    else if (onDisk.get(p) !== c) out.push({ path: p, why: "changed" });
  }
  for (const p of onDisk.keys()) if (!wanted.has(p)) out.push({ path: p, why: "extra" });
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

const git = (cwd: string, args: string[]) =>
  execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 }).toString();

/** The snapshot files at a git revision, read from the repository without checking anything out. */
export function readTreeAtRevision(root: string, snapshotDir: string, rev: string): Map<string, string> {
  const top = git(root, ["rev-parse", "--show-toplevel"]).trim();
  const prefix = relative(top, join(root, snapshotDir)).split(sep).join("/");
  const out = new Map<string, string>();
  const list = git(root, ["ls-tree", "-r", "--name-only", rev, "--", prefix]).split("\n").filter(Boolean);
  for (const path of list) out.set(path.slice(prefix.length + 1), git(top, ["show", `${rev}:${path}`]));
  return out;
}

/** A project file at a git revision. */
export function readFileAtRevision(root: string, file: string, rev: string): string {
  const top = git(root, ["rev-parse", "--show-toplevel"]).trim();
  return git(top, ["show", `${rev}:${relative(top, join(root, file)).split(sep).join("/")}`]);
}

/** The merge base of HEAD with the main branch (origin/main, main, origin/master or master). */
export function defaultBase(root: string): string {
  for (const branch of ["origin/main", "main", "origin/master", "master"]) {
    try {
      return git(root, ["merge-base", "HEAD", branch]).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error("no main branch to compare with: pass BASE (a git revision or a snapshot folder)");
}
