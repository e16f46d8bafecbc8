import { lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { receiveMessageOnPort, MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { readRegularFile } from "@wedata-kit/files";

/** How the compile reads code files (see `CompileInput`). */
export interface CodeFiles {
  realpath(path: string): string;
  readFile(path: string): Buffer;
}

/**
 * Reading thousands of code files in a few folders: each folder resolved and listed once, so a file is told
 * from a link among the files without a call per file (a link among the files, or among the folders, still
 * resolves to where it points). A file the listing showed as a file is opened without following links: one
 * replaced by a link since is refused, never followed.
 */
export function codeFiles(maxBytes: number): CodeFiles {
  const folders = new Map<string, string>();
  const listings = new Map<string, ReadonlySet<string>>();
  const folder = (dir: string) => {
    let real = folders.get(dir);
    if (real === undefined) {
      real = realpathSync.native(dir);
      folders.set(dir, real);
    }
    return real;
  };
  /** Whether the folder's listing shows a regular file (not a link) by that name. */
  const listedAsFile = (path: string) => {
    const dir = dirname(path);
    let files = listings.get(dir);
    if (!files) {
      const found = new Set<string>();
      try {
        for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isFile()) found.add(e.name);
      } catch {
        // A folder that is missing or cannot be listed: each of its files is looked at on its own.
      }
      listings.set(dir, found);
      files = found;
    }
    return files.has(basename(path));
  };
  return {
    realpath(path) {
      const known = folders.get(path);
      if (known !== undefined) return known;
      if (listedAsFile(path)) return join(folder(dirname(path)), basename(path));
      if (lstatSync(path, { throwIfNoEntry: false })?.isDirectory()) return folder(path);
      return realpathSync.native(path);
    },
    readFile: (path) => readRegularFile(path, maxBytes, { noFollow: listedAsFile(path) }),
  };
}

/** What the reader thread is started with: its paths, or null to wait for them on `port`. */
export interface ReaderData {
  readonly paths: readonly string[] | null;
  readonly maxBytes: number;
  readonly port: MessagePort;
}

/** One file as the reader thread found it: each answer, or the error it gave (its code and message). */
export interface ReadAnswer {
  readonly path: string;
  readonly real: string | Failure;
  /** Where its bytes are in the batch's buffer. */
  readonly bytes: { readonly start: number; readonly end: number } | Failure;
}
interface Failure {
  readonly code?: string;
  readonly message: string;
}
export interface ReadBatch {
  readonly answers: readonly ReadAnswer[];
  readonly buffer: ArrayBuffer;
}

/**
 * Fewer files than this are read in-thread: starting a thread costs the main one about 3 ms and the second core
 * about 80 ms, as much as reading a few hundred small files.
 */
const READ_AHEAD_MINIMUM = 256;

/**
 * Whether a project's pipeline files are large enough to start the reader thread before they load (`prepare`):
 * their source holds room for `READ_AHEAD_MINIMUM` tasks at some 64 bytes each. Only a guess at the number of
 * tasks (a loop can declare many in a few lines): a wrong one costs a thread started early or late.
 */
export function worthPreparing(pipelineFiles: readonly string[]): boolean {
  let bytes = 0;
  for (const f of pipelineFiles) {
    const st = statSync(f, { throwIfNoEntry: false });
    if (st?.isFile()) bytes += st.size;
  }
  return bytes >= READ_AHEAD_MINIMUM * 64;
}

/** The reader thread's script, beside this module once built (the sources run under a test runner read in-thread). */
const readerScript = (() => {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".js") ? join(dirname(here), "code-reader.js") : undefined;
})();

/**
 * `codeFiles` with a reader thread ahead of it. `readAhead` hands the thread every path the compile will read,
 * in its order; each answer the thread has sent by the time it is asked for is taken from it, and anything
 * else is read here as `codeFiles` reads it. So the reading runs beside the compile's own work on a second
 * core, and a thread that is slow or fails only costs the time it saved. Answers are the same either way:
 * the thread runs `codeFiles`. `prepare` starts the thread before the paths are known (beside the load of the
 * pipeline files), so that it reads as soon as it is handed them.
 */
export function readAheadCodeFiles(
  maxBytes: number,
  { minimum = READ_AHEAD_MINIMUM }: { minimum?: number } = {},
): CodeFiles & {
  prepare(): void;
  readAhead(paths: readonly string[]): void;
  close(): void;
  whenDone(): Promise<void>;
} {
  const local = codeFiles(maxBytes);
  let done = Promise.resolve();
  const answers = new Map<string, { real: string | Failure; bytes: Buffer | Failure }>();
  let port: MessagePort | undefined;
  let worker: Worker | undefined;
  /** A thread `prepare` started, still waiting for its paths. */
  let waiting = false;
  const drain = () => {
    if (!port) return;
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const batch = m.message as ReadBatch;
      const all = Buffer.from(batch.buffer);
      for (const a of batch.answers)
        answers.set(a.path, {
          real: a.real,
          bytes: "start" in a.bytes ? all.subarray(a.bytes.start, a.bytes.end) : a.bytes,
        });
    }
  };
  // Looked up first, drained only when missing: the thread is usually ahead, and each drain is a call into Node.
  const take = (path: string) => {
    const known = answers.get(path);
    if (known) return known;
    drain();
    return answers.get(path);
  };
  /** Start the thread with its paths, or (null) to wait for them; false when no thread can be had. */
  const start = (paths: readonly string[] | null): boolean => {
    if (!readerScript || worker) return false;
    const channel = new MessageChannel();
    try {
      worker = new Worker(readerScript, {
        workerData: { paths, maxBytes, port: channel.port1 } satisfies ReaderData,
        transferList: [channel.port1],
        // Built JavaScript that needs none of this process's flags (a test runner's export conditions, a loader).
        execArgv: [],
      });
    } catch {
      channel.port2.close();
      return false; // no thread to be had: everything is read here
    }
    port = channel.port2;
    worker.unref();
    // A thread that fails leaves the reading to this one.
    worker.on("error", () => {});
    const started = worker;
    done = new Promise((resolve) => started.once("exit", () => resolve()));
    return true;
  };
  return {
    prepare() {
      if (!worker) waiting = start(null);
    },
    readAhead(paths) {
      if (waiting) {
        waiting = false;
        port?.postMessage(paths);
      } else if (paths.length >= minimum) start(paths);
    },
    whenDone: () => done,
    realpath(path) {
      const found = take(path)?.real;
      if (found === undefined) return local.realpath(path);
      if (typeof found === "string") return found;
      throw failure(found);
    },
    readFile(path) {
      const found = take(path);
      if (!found) return local.readFile(path);
      answers.delete(path);
      if (Buffer.isBuffer(found.bytes)) return found.bytes;
      throw failure(found.bytes);
    },
    close() {
      waiting = false;
      void worker?.terminate();
      port?.close();
      worker = undefined;
      port = undefined;
      answers.clear();
    },
  };
}

/** An error as the reader thread caught it: its message, and its code (ENOENT, E_FILE_TOO_LARGE, ...). */
function failure(f: Failure): Error {
  return Object.assign(new Error(f.message), f.code === undefined ? {} : { code: f.code });
}

/** The reader thread's work: every path answered in order, in batches, each batch's bytes in one buffer. */
export function answerReads(
  paths: readonly string[],
  maxBytes: number,
  send: (batch: ReadBatch, transfer: ArrayBuffer[]) => void,
): void {
  const files = codeFiles(maxBytes);
  const caught = (e: unknown): Failure => ({
    message: e instanceof Error ? e.message : String(e),
    ...(typeof (e as { code?: unknown })?.code === "string" && { code: (e as { code: string }).code }),
  });
  const BATCH = 64;
  for (let i = 0; i < paths.length; i += BATCH) {
    const answers: ReadAnswer[] = [];
    const chunks: Buffer[] = [];
    let size = 0;
    for (const path of paths.slice(i, i + BATCH)) {
      let real: string | Failure;
      try {
        real = files.realpath(path);
      } catch (e) {
        real = caught(e);
      }
      let bytes: ReadAnswer["bytes"];
      try {
        const data = files.readFile(path);
        chunks.push(data);
        bytes = { start: size, end: size + data.length };
        size += data.length;
      } catch (e) {
        bytes = caught(e);
      }
      answers.push({ path, real, bytes });
    }
    // Memory of its own (not a slice of Node's pool), so it is handed over instead of copied.
    const buffer = Buffer.allocUnsafeSlow(size);
    let at = 0;
    for (const c of chunks) at += c.copy(buffer, at);
    const ab = buffer.buffer as ArrayBuffer;
    send({ answers, buffer: ab }, [ab]);
  }
}
