/*
 * The one rule for files wedata-kit touches in a user's project (see README.md): owned, marked output
 * folders; no symbolic link followed while reading or cleaning them; reads of regular files only, of
 * bounded size; user strings made safe before they name a file.
 */
import { WedataKitError } from "@wedata-kit/dsl";
import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** A refusal to read, write or delete a file, with what is wrong and how to fix it. */
export class FileSafetyError extends WedataKitError {}

/** The marker file of a folder wedata-kit owns. Its content is constant, so branches never conflict on it. */
export const OWNED_MARKER = ".wedata-kit-owned";

const markerText = (kind: string) => `${JSON.stringify({ owner: "wedata-kit", kind })}\n`;

function lstatMaybe(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR")
      return undefined;
    throw e;
  }
}

/** What a non-regular directory entry is, in words. */
export function entryKind(st: Stats): string {
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return st.isFile() ? "a regular file" : "not a regular file";
}

/**
 * Read a regular file of at most `maxBytes`. The file is opened without blocking and checked on the
 * open descriptor, so a FIFO or a device is refused instead of hanging or filling memory; with
 * `noFollow`, a symbolic link is refused too. Missing files keep Node's ENOENT error.
 */
export function readRegularFile(
  path: string,
  maxBytes: number,
  options: { readonly noFollow?: boolean; readonly display?: string } = {},
): Buffer {
  const display = options.display ?? path;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") {
      throw new FileSafetyError(
        "E_SYMLINK",
        `${display} is a symbolic link; wedata-kit does not follow links here: replace it with the file itself`,
      );
    }
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new FileSafetyError("E_NOT_REGULAR_FILE", `${display} is ${entryKind(st)}, not a regular file`);
    if (st.size > maxBytes)
      throw new FileSafetyError("E_FILE_TOO_LARGE", `${display} is ${st.size} bytes; the limit here is ${maxBytes}`);
    // Read at most one byte more than allowed, whatever the size said: a file may grow while it is read.
    const buf = Buffer.alloc(Math.min(maxBytes + 1, Math.max(st.size, 0) + 1));
    let got = 0;
    while (got < buf.length) {
      const wanted = buf.length - got;
      const n = readSync(fd, buf, got, wanted, null);
      got += n;
      // A regular file reads short only at its end: no second call to be told so.
      if (n < wanted) break;
    }
    if (got > maxBytes)
      throw new FileSafetyError("E_FILE_TOO_LARGE", `${display} is larger than the limit here (${maxBytes} bytes)`);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * A user string (a target name, a workflow name) made safe as one file name: only `A-Z a-z 0-9 _ . -`,
 * no leading dot, at most 80 characters; a string that had to change gets a short hash of the original,
 * so two different strings never share a file.
 */
export function safeFileName(s: string): string {
  const cleaned = s
    .replace(/[^A-Za-z0-9_.-]/g, "_")
    .replace(/^\.+/, "_")
    .slice(0, 64);
  if (cleaned === s && cleaned.length > 0) return cleaned;
  return `${cleaned || "_"}-${createHash("sha256").update(s).digest("hex").slice(0, 8)}`;
}

/**
 * Check that `dir` may be an output folder of the project at `root`: strictly inside it (not the root,
 * not a folder that contains it, not outside it), with no symbolic link or file along the way.
 * Returns the absolute path.
 */
export function checkOutputFolder(root: string, dir: string, what: string): string {
  const abs = resolve(root, dir);
  const rel = relative(root, abs);
  const shown = rel === "" ? "." : rel;
  if (rel === "") {
    throw new FileSafetyError(
      "E_OUTPUT_FOLDER",
      `${what} cannot be the project root: wedata-kit would then manage every file in it; pick a folder inside the ` +
        `project`,
    );
  }
  if (rel.startsWith("..") || isAbsolute(rel)) {
    const back = relative(abs, root);
    const contains = !back.startsWith("..") && !isAbsolute(back);
    throw new FileSafetyError(
      "E_OUTPUT_FOLDER",
      `${what} ${dir} ${contains ? "contains the project root" : "lies outside the project"}; pick a folder inside ` +
        `the project`,
    );
  }
  let cur = root;
  for (const seg of rel.split(sep)) {
    cur = join(cur, seg);
    const st = lstatMaybe(cur);
    if (!st) break;
    if (st.isSymbolicLink()) {
      throw new FileSafetyError(
        "E_SYMLINK",
        `${what} ${shown} goes through a symbolic link (${relative(root, cur)}); wedata-kit never follows links out ` +
          `of the folders it manages`,
      );
    }
    if (!st.isDirectory())
      throw new FileSafetyError(
        "E_OUTPUT_FOLDER",
        `${what} ${shown} is not a folder (${relative(root, cur)} is ${entryKind(st)})`,
      );
  }
  return abs;
}

/** What an owned folder holds and how its files are recognised. */
export interface OwnedFolderSpec {
  /** The kind of folder, written in its marker: a folder of one kind is never used as another. */
  readonly kind: string;
  /** How messages name it, e.g. "the snapshot folder". */
  readonly what: string;
  /** Whether a path (relative, `/`-separated) is one wedata-kit writes in this folder. */
  readonly isOurs: (rel: string) => boolean;
}

/** A listing of a folder walked without following links: regular files by relative path, and the rest. */
export interface FolderListing {
  readonly files: ReadonlySet<string>;
  /** Entries that are not regular files or folders (links, FIFOs, devices), with what they are. */
  readonly special: ReadonlyArray<{ readonly path: string; readonly kind: string }>;
  /** The folders under `dir` (relative paths), each a real folder. */
  readonly folders: ReadonlySet<string>;
}

/** The temporary file `OwnedFolder` writes beside a file it replaces, then renames over it: `.<pid>.<ms>.tmp`. */
const temporaryName = () => `.${process.pid}.${Date.now()}.tmp`;
const TEMPORARY = /(?:^|\/)\.(\d+)\.\d+\.tmp$/;

/**
 * Whether a path (relative to an owned folder) is one of those temporary files, and whether the process that
 * wrote it is gone: a crash between the write and the rename leaves one behind.
 */
function temporaryFile(rel: string): { readonly gone: boolean } | undefined {
  const m = TEMPORARY.exec(rel);
  if (!m) return undefined;
  const pid = Number(m[1]);
  if (pid === process.pid) return { gone: false };
  try {
    process.kill(pid, 0);
    return { gone: false };
  } catch (e) {
    // EPERM: the process exists (another user's); only "no such process" means gone.
    return { gone: (e as NodeJS.ErrnoException).code === "ESRCH" };
  }
}

/**
 * Every entry under `dir`, links listed and never followed. The folder's own entry types tell files from
 * folders and links (no call per file); only an entry of another kind is looked at on its own.
 */
export function listFolder(dir: string): FolderListing {
  const files = new Set<string>();
  const folders = new Set<string>();
  const special: Array<{ path: string; kind: string }> = [];
  const walk = (d: string, prefix: string) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const rel = prefix + e.name;
      if (e.isDirectory()) {
        folders.add(rel);
        walk(join(d, e.name), `${rel}/`);
      } else if (e.isFile()) files.add(rel);
      else special.push({ path: rel, kind: entryKind(lstatSync(join(d, e.name))) });
    }
  };
  walk(dir, "");
  return { files, special, folders };
}

/**
 * A folder wedata-kit owns: marked, inside the project, walked without following links. It deletes or
 * rewrites only files of its own layout, and refuses to work while the folder holds anything else.
 */
export class OwnedFolder {
  private constructor(
    readonly root: string,
    readonly path: string,
    readonly spec: OwnedFolderSpec,
  ) {}

  /** The folder relative to the project root, for messages. */
  get shown(): string {
    return relative(this.root, this.path).split(sep).join("/");
  }

  /**
   * Open an owned folder for writing: created and marked when missing; an existing folder must carry
   * this kind's marker, or be empty, or hold only files of this layout (then it is marked).
   */
  static open(root: string, dir: string, spec: OwnedFolderSpec): OwnedFolder {
    const path = checkOutputFolder(root, dir, spec.what);
    const folder = new OwnedFolder(root, path, spec);
    if (!lstatMaybe(path)) {
      mkdirSync(path, { recursive: true });
      checkOutputFolder(root, dir, spec.what);
      writeFileSync(join(path, OWNED_MARKER), markerText(spec.kind), { flag: "wx" });
      return folder;
    }
    const listing = folder.list();
    if (folder.marked()) {
      folder.refuseStrangers(listing);
      folder.removeLeftovers(listing);
      return folder;
    }
    folder.refuseStrangers(listing);
    folder.removeLeftovers(listing);
    writeFileSync(join(path, OWNED_MARKER), markerText(spec.kind), { flag: "wx" });
    return folder;
  }

  /** Open an owned folder to read it only (`--check`): undefined when it does not exist. Nothing is written. */
  static inspect(root: string, dir: string, spec: OwnedFolderSpec): OwnedFolder | undefined {
    const path = checkOutputFolder(root, dir, spec.what);
    if (!lstatMaybe(path)) return undefined;
    const folder = new OwnedFolder(root, path, spec);
    folder.marked();
    return folder;
  }

  /** Whether the folder carries a marker; a marker of another kind, or one that is not a plain file, is refused. */
  private marked(): boolean {
    const marker = join(this.path, OWNED_MARKER);
    const st = lstatMaybe(marker);
    if (!st) return false;
    const text = readRegularFile(marker, 4096, { noFollow: true, display: `${this.shown}/${OWNED_MARKER}` }).toString(
      "utf8",
    );
    let kind: unknown;
    try {
      kind = (JSON.parse(text) as { kind?: unknown }).kind;
    } catch {
      kind = undefined;
    }
    if (kind !== this.spec.kind) {
      throw new FileSafetyError(
        "E_OWNED_FOLDER",
        `${this.spec.what} ${this.shown} is marked as a wedata-kit folder of another kind ` +
          `(${JSON.stringify(kind ?? text.trim().slice(0, 40))}, not "${this.spec.kind}"); pick another folder`,
      );
    }
    return true;
  }

  /**
   * The folder's listing, the marker and `replace`'s temporary files left out; `leftovers` are the temporary
   * files whose process is gone.
   */
  list(): FolderListing & { readonly leftovers: readonly string[] } {
    const l = listFolder(this.path);
    const files = new Set<string>();
    const leftovers: string[] = [];
    for (const f of l.files) {
      if (f === OWNED_MARKER) continue;
      const temporary = temporaryFile(f);
      if (!temporary) files.add(f);
      else if (temporary.gone) leftovers.push(f);
    }
    return { ...l, files, leftovers };
  }

  /**
   * Delete the temporary files a crashed command left (written, never renamed over their target). Only regular
   * files of `replace`'s naming whose process is gone: another command's, still at work, stays.
   */
  private removeLeftovers({ leftovers }: { readonly leftovers: readonly string[] }): void {
    for (const rel of leftovers) {
      const p = join(this.path, ...rel.split("/"));
      if (lstatMaybe(p)?.isFile()) unlinkSync(p);
    }
  }

  /** Files of this folder that wedata-kit did not write, and entries that are not plain files, as a refusal. */
  private refuseStrangers({ files, special }: FolderListing = this.list()): void {
    if (special.length > 0) {
      const s = special[0]!;
      throw new FileSafetyError(
        "E_SYMLINK",
        `${this.shown}/${s.path} is ${s.kind}; wedata-kit never follows links or reads special files in ` +
          `${this.spec.what}: remove it`,
      );
    }
    const foreign = [...files].filter((f) => !this.spec.isOurs(f));
    if (foreign.length > 0) {
      const shownFiles = foreign.slice(0, 5).map((f) => `${this.shown}/${f}`);
      const listed = `${shownFiles.join(", ")}${foreign.length > 5 ? ", ..." : ""}`;
      throw new FileSafetyError(
        "E_FOREIGN_FILES",
        `${this.spec.what} ${this.shown} holds ${foreign.length} file(s) wedata-kit did not write (${listed}); ` +
          "wedata-kit only deletes or rewrites its own files: move them out, or pick another folder",
      );
    }
  }

  /** The text of every file of this layout (bounded reads), and the paths that are not (foreign or special). */
  readTexts(
    maxBytesPerFile: number,
    { files, special }: FolderListing = this.list(),
  ): { readonly files: Map<string, string>; readonly strangers: string[] } {
    const out = new Map<string, string>();
    const strangers = special.map((s) => s.path);
    for (const rel of files) {
      if (!this.spec.isOurs(rel)) strangers.push(rel);
      else
        out.set(
          rel,
          readRegularFile(join(this.path, rel), maxBytesPerFile, {
            noFollow: true,
            display: `${this.shown}/${rel}`,
          }).toString("utf8"),
        );
    }
    return { files: out, strangers: strangers.sort() };
  }

  /** Refuse a path that is not of this layout (or climbs out of it). */
  private checkLayout(rel: string): void {
    if (!this.spec.isOurs(rel) || rel.split("/").some((s) => s === "" || s === "." || s === "..")) {
      throw new FileSafetyError("E_OWNED_FOLDER", `${rel} is not a file wedata-kit writes in ${this.spec.what}`);
    }
  }

  /** Resolve a path of this layout inside the folder; anything else is refused. */
  private target(rel: string): string {
    this.checkLayout(rel);
    const p = join(this.path, ...rel.split("/"));
    // Every folder on the way is a real folder of ours: never a link.
    let cur = this.path;
    for (const seg of rel.split("/").slice(0, -1)) {
      cur = join(cur, seg);
      const st = lstatMaybe(cur);
      if (st && !st.isDirectory())
        throw new FileSafetyError(
          "E_SYMLINK",
          `${this.shown}/${relative(this.path, cur)} is ${entryKind(st)}, not a folder`,
        );
    }
    return p;
  }

  /** A real sub-folder of this one (created when missing), for files another component writes (e.g. SQLite). */
  folder(rel: string): string {
    const p = join(this.path, ...rel.split("/"));
    let cur = this.path;
    for (const seg of rel.split("/")) {
      if (seg === "" || seg === "." || seg === "..")
        throw new FileSafetyError("E_OWNED_FOLDER", `${rel} is not a folder name`);
      cur = join(cur, seg);
      const st = lstatMaybe(cur);
      if (!st) mkdirSync(cur);
      else if (!st.isDirectory())
        throw new FileSafetyError(
          "E_SYMLINK",
          `${this.shown}/${relative(this.path, cur)} is ${entryKind(st)}, not a folder; remove it`,
        );
    }
    return p;
  }

  /** Read one file of this layout, bounded; undefined when it does not exist. No link is followed on the way. */
  read(rel: string, maxBytes: number): Buffer | undefined {
    const p = this.target(rel);
    if (!lstatMaybe(p)) return undefined;
    return readRegularFile(p, maxBytes, { noFollow: true, display: `${this.shown}/${rel}` });
  }

  /** Write one file of this layout (atomically: a temporary file renamed over it). */
  write(rel: string, content: string | Buffer): void {
    const p = this.target(rel);
    const st = lstatMaybe(p);
    if (st && !st.isFile())
      throw new FileSafetyError(
        "E_SYMLINK",
        `${this.shown}/${rel} is ${entryKind(st)}; wedata-kit will not write through it`,
      );
    mkdirSync(dirname(p), { recursive: true });
    this.replace(p, content);
  }

  /** Atomically: a temporary file beside it (created, never opened through a link), renamed over it. */
  private replace(p: string, content: string | Buffer): void {
    const tmp = join(dirname(p), temporaryName());
    writeFileSync(tmp, content, { flag: "wx" });
    renameSync(tmp, p);
  }

  /** A new file, created exclusively: never written through a link, nor over anything that appeared meanwhile. */
  private create(p: string, rel: string, content: string): void {
    try {
      writeFileSync(p, content, { flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      throw new FileSafetyError(
        "E_OWNED_FOLDER",
        `${this.shown}/${rel} appeared while wedata-kit was writing ${this.spec.what}; it was left as it is. ` +
          "Check what created it, then run the command again",
      );
    }
  }

  /** Delete one file of this layout; only a regular file is ever deleted. */
  remove(rel: string): void {
    const p = this.target(rel);
    const st = lstatMaybe(p);
    if (!st) return;
    if (!st.isFile())
      throw new FileSafetyError(
        "E_SYMLINK",
        `${this.shown}/${rel} is ${entryKind(st)}; wedata-kit only deletes its own regular files`,
      );
    unlinkSync(p);
  }

  /**
   * Make the folder hold exactly `files` (their layout), touching only what differs, then remove
   * folders left empty. Refuses, before changing anything, while the folder holds anything not its own.
   * Returns how many files changed.
   */
  sync(files: ReadonlyMap<string, string>, maxBytesPerFile: number): number {
    // One walk of the folder answers for every path below: it saw no link and nothing special (refused
    // here), so each folder in it is a real one; only folders it lacks are made, each once.
    const listing = this.list();
    this.refuseStrangers(listing);
    for (const rel of files.keys()) {
      this.checkLayout(rel);
      const parts = rel.split("/");
      for (let i = 1; i <= parts.length; i++) {
        const sub = parts.slice(0, i).join("/");
        if (i < parts.length ? listing.files.has(sub) : listing.folders.has(sub))
          throw new FileSafetyError(
            "E_SYMLINK",
            `${this.shown}/${sub} is ${i < parts.length ? "a regular file, not a folder" : "a folder"}; ` +
              "wedata-kit will not write through it",
          );
      }
    }
    const { files: current } = this.readTexts(maxBytesPerFile, listing);
    const folders = new Set(listing.folders);
    let changed = 0;
    for (const [rel, content] of files) {
      if (current.get(rel) === content) continue;
      const parts = rel.split("/");
      for (let i = 1; i < parts.length; i++) {
        const sub = parts.slice(0, i).join("/");
        if (folders.has(sub)) continue;
        mkdirSync(join(this.path, ...parts.slice(0, i)));
        folders.add(sub);
      }
      const p = join(this.path, ...parts);
      // A file the listing did not hold is created, exclusively: never through a link or over anything
      // that appeared since. One that is there is replaced atomically.
      if (current.has(rel) || listing.files.has(rel)) this.replace(p, content);
      else this.create(p, rel, content);
      changed++;
    }
    for (const rel of current.keys()) {
      if (files.has(rel)) continue;
      this.remove(rel);
      changed++;
    }
    this.removeEmptyFolders();
    return changed;
  }

  /** Delete every file of this layout under `prefix` (a sub-folder), then the folders left empty. */
  removeUnder(prefix: string): void {
    for (const rel of this.list().files) if (rel.startsWith(`${prefix}/`) && this.spec.isOurs(rel)) this.remove(rel);
    this.removeEmptyFolders();
  }

  /** Remove sub-folders that hold nothing (deepest first); the owned folder itself stays. */
  removeEmptyFolders(): void {
    const walk = (d: string): boolean => {
      let empty = true;
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory() && walk(p)) rmdirSync(p);
        else empty = false;
      }
      return empty;
    };
    walk(this.path);
  }
}
