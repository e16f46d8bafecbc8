import { findSourceMap, type SourceMap, type SourceMapping } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";

/** Where a builder call was written in the user's code. `file` is absolute until the compiler makes it relative. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const dslDir = dirname(fileURLToPath(import.meta.url));

/**
 * The first stack frame outside this package: the user's builder call. The frames are captured now
 * (cheap) but formatted only when the location is first read: formatting a stack through the loader's
 * source maps is the expensive part, and most locations (one per builder call) are only read when
 * something is wrong. Inside a public builder method, the place its call was captured at entry.
 */
export function callerLocation(): SourceLocation {
  return current ?? captured(callerLocation, DEPTH, undefined);
}

/**
 * Set (to `true`) on `globalThis` by a loader that asks builder methods not to capture where they were called.
 * `task()`, `workflow()` and `byTarget()` still capture theirs (a snapshot and a plan show them); a method's
 * own place, only ever read by a diagnostic, is then `NOT_CAPTURED`. Capturing a stack is most of the cost of
 * a builder call, so a loader can load the project this way first and again with the places when a diagnostic
 * needs one (the CLI does: see `mentionsUncaptured`).
 */
export const SKIP_METHOD_LOCATIONS = Symbol.for("wedata-kit.skip-method-locations");

/** A builder method's place when it was not captured (see `SKIP_METHOD_LOCATIONS`). */
export const NOT_CAPTURED: SourceLocation = Object.freeze({ file: "<place not captured>", line: 0, column: 0 });

/** Whether a diagnostic-like value points at, or mentions, a place that was not captured. */
export function mentionsUncaptured(d: {
  readonly loc: SourceLocation;
  readonly message: string;
  readonly hint?: string;
}): boolean {
  const mark = NOT_CAPTURED.file;
  return d.loc.file === mark || d.message.includes(mark) || (d.hint?.includes(mark) ?? false);
}

/**
 * The place of a call that is shown even when nothing is wrong (a `byTarget()` value in the plan): the public
 * method's around it when that was captured, else captured here.
 */
export function shownLocation(): SourceLocation {
  return current !== undefined && current !== NOT_CAPTURED ? current : captured(shownLocation, DEPTH, undefined);
}

/** The place of the public builder call now running (see `enterCall`). */
let current: SourceLocation | undefined;

/**
 * At the entry of a public builder method: capture where it was called from, for every `callerLocation()`
 * until `leaveCall`. Captured here, the frames are the caller's only: none holds the method's builder,
 * which a frame keeps alive (a capture from inside the method kept every intermediate builder of a chain
 * alive, and the collector copying them was a large share of loading 10,000 tasks). A call made by this
 * package's own code, with no user frame near it, takes the place of the call around it.
 */
export function enterCall(method: (...args: never[]) => unknown): SourceLocation | undefined {
  const outer = current;
  current = (globalThis as Flags)[SKIP_METHOD_LOCATIONS] === true ? NOT_CAPTURED : captured(method, ENTRY_DEPTH, outer);
  return outer;
}

type Flags = { [SKIP_METHOD_LOCATIONS]?: unknown };

/** The end of the call `enterCall` began: `outer` is what it returned. */
export function leaveCall(outer: SourceLocation | undefined): void {
  current = outer;
}

function captured(
  below: (...args: never[]) => unknown,
  depth: number,
  outer: SourceLocation | undefined,
): SourceLocation {
  const holder: { stack?: string } = {};
  const previous = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = depth;
    Error.captureStackTrace(holder, below);
  } finally {
    Error.stackTraceLimit = previous;
  }
  return new LazyLocation(() => {
    const found = firstUserFrame(holder);
    return found === UNKNOWN && outer ? outer : found;
  });
}

/**
 * The first frame of a captured stack in the user's code, formatted by whatever formats stacks here (a test
 * runner's source maps), or mapped the way Node maps it (its source maps) when Node formats them: one frame
 * at a time, up to the first of the user's, instead of formatting the whole stack. (Formatting every frame
 * kept cost a snapshot of 10,000 tasks most of its time.)
 */
function firstUserFrame(holder: { stack?: unknown }): SourceLocation {
  const format = Error.prepareStackTrace;
  if (typeof format !== "function") return fromText(typeof holder.stack === "string" ? holder.stack : "");
  const byNode = format.name === NODE_FORMAT;
  Error.prepareStackTrace = (error, frames) => {
    for (const frame of frames) {
      const loc = byNode ? mappedByNode(frame) : fromText(String(format(error, [frame])));
      if (loc !== UNKNOWN) return loc;
    }
    return UNKNOWN;
  };
  try {
    const found = holder.stack;
    if (typeof found === "string") return fromText(found); // formatted before: read as it is
    return found && typeof found === "object" ? (found as SourceLocation) : UNKNOWN;
  } finally {
    Error.prepareStackTrace = format;
  }
}

/** Node's own stack formatter, which `Error.prepareStackTrace` is until something replaces it. */
const NODE_FORMAT = "ErrorPrepareStackTrace";

/** Where Node's formatter places a frame (through the module's source map, if it has one), if the user's. */
function mappedByNode(frame: NodeJS.CallSite): SourceLocation {
  const name = frame.getFileName();
  if (!name) return UNKNOWN;
  const line = frame.getLineNumber() ?? 0;
  const column = frame.getColumnNumber() ?? 0;
  const entry = sourceMapOf(name)?.findEntry(line - 1, column - 1) as Partial<SourceMapping> | undefined;
  if (entry?.originalSource !== undefined && entry.originalLine !== undefined && entry.originalColumn !== undefined) {
    const file = knownUserFile(entry.originalSource);
    return file === undefined
      ? UNKNOWN
      : Object.freeze({ file, line: entry.originalLine + 1, column: entry.originalColumn + 1 });
  }
  const file = knownUserFile(name);
  return file === undefined ? UNKNOWN : Object.freeze({ file, line, column });
}

/** A module's source map, looked up once per module file. */
const sourceMaps = new Map<string, SourceMap | undefined>();
function sourceMapOf(name: string): SourceMap | undefined {
  if (!sourceMaps.has(name)) remember(sourceMaps, name, findSourceMap(name));
  return sourceMaps.get(name);
}

/** `userFile`, worked out once per module file: a few files make thousands of calls. */
const userFiles = new Map<string, string | undefined>();
function knownUserFile(name: string): string | undefined {
  if (!userFiles.has(name)) remember(userFiles, name, userFile(name));
  return userFiles.get(name);
}

/** Per-module answers, forgotten past a bound: a process that reloads its files (a new URL each time) stays small. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= 2000) cache.clear();
  cache.set(key, value);
}

/**
 * A location worked out when first read, then kept (the work, and what it needed, released): capturing a
 * stack is cheap, formatting it is not, and most locations are only read when something is wrong.
 */
export function lazyLocation(compute: () => SourceLocation): SourceLocation {
  return new OwnFields(new LazyLocation(compute));
}

/** The getters of `OwnFields`, made once for all of them. */
let ownFieldGetters: PropertyDescriptorMap;

/**
 * A location whose fields are own and enumerable, read from another: what leaves the compiler is walked like
 * plain data (redaction, JSON). Its getters are shared by every such location, so one costs about a fifth of an
 * object literal with getters (three closures and a property layout of its own each), and the compiler makes
 * one per task.
 */
class OwnFields implements SourceLocation {
  readonly #place: SourceLocation;
  declare readonly file: string;
  declare readonly line: number;
  declare readonly column: number;
  constructor(place: SourceLocation) {
    this.#place = place;
    Object.defineProperties(this, ownFieldGetters);
    Object.freeze(this);
  }
  static {
    ownFieldGetters = {
      file: {
        get(this: OwnFields) {
          return this.#place.file;
        },
        enumerable: true,
      },
      line: {
        get(this: OwnFields) {
          return this.#place.line;
        },
        enumerable: true,
      },
      column: {
        get(this: OwnFields) {
          return this.#place.column;
        },
        enumerable: true,
      },
    };
  }
}

/**
 * A builder call's place, made once per builder call, so a class: its getters live on the prototype (an
 * object literal with getters made three closures and its own property layout per location, most of the
 * cost of creating one). Frozen; reads as a plain location in JSON. The compiler hands on `lazyLocation`s.
 */
class LazyLocation implements SourceLocation {
  #compute: (() => SourceLocation) | undefined;
  #resolved: SourceLocation | undefined;
  constructor(compute: () => SourceLocation) {
    this.#compute = compute;
    Object.freeze(this);
  }
  #get(): SourceLocation {
    if (!this.#resolved) {
      this.#resolved = (this.#compute ?? (() => UNKNOWN))();
      this.#compute = undefined;
    }
    return this.#resolved;
  }
  get file(): string {
    return this.#get().file;
  }
  get line(): number {
    return this.#get().line;
  }
  get column(): number {
    return this.#get().column;
  }
  toJSON(): SourceLocation {
    const { file, line, column } = this.#get();
    return { file, line, column };
  }
}

/**
 * Frames kept when no public method's entry captured the place (`task()`, `workflow()`, a private method
 * called on its own): the user's code is at most four frames below. Formatting cost grows with every frame
 * kept.
 */
const DEPTH = 4;
/** Frames kept at a public method's entry: its caller, and two more for a call from one of this package's helpers. */
const ENTRY_DEPTH = 3;
const UNKNOWN: SourceLocation = Object.freeze({ file: "<unknown>", line: 0, column: 0 });
const framePattern = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/;

/** The absolute path of a frame's file when it is the user's code (not this package, node or a dependency). */
function userFile(raw: string): string | undefined {
  if (!raw) return undefined;
  // Loaders may add a query (`?v=2`) to re-import edited files; it is not part of the path.
  let file = raw.replace(/\?.*$/, "");
  if (file.startsWith("file://")) file = fileURLToPath(file);
  if (
    (file.startsWith(dslDir) && !file.endsWith(".test.ts")) ||
    file.startsWith("node:") ||
    file.includes("/node_modules/")
  )
    return undefined;
  return file;
}

function fromText(stack: string): SourceLocation {
  for (const line of stack.split("\n").slice(1)) {
    const m = framePattern.exec(line.trim());
    const file = m ? userFile(m[1]!) : undefined;
    if (file) return Object.freeze({ file, line: Number(m![2]), column: Number(m![3]) });
  }
  return UNKNOWN;
}
