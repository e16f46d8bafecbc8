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
 * something is wrong.
 */
export function callerLocation(): SourceLocation {
  const holder: { stack?: string } = {};
  const previous = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = DEPTH;
    Error.captureStackTrace(holder, callerLocation);
  } finally {
    Error.stackTraceLimit = previous;
  }
  return lazyLocation(() => fromText(holder.stack ?? ""));
}

/**
 * A location worked out when first read, then kept (the work, and what it needed, released): capturing a
 * stack is cheap, formatting it is not, and most locations are only read when something is wrong.
 */
export function lazyLocation(compute: () => SourceLocation): SourceLocation {
  let pending: (() => SourceLocation) | undefined = compute;
  let resolved: SourceLocation | undefined;
  const get = (): SourceLocation => {
    if (!resolved) {
      resolved = (pending ?? (() => UNKNOWN))();
      pending = undefined;
    }
    return resolved;
  };
  return Object.freeze({
    get file() {
      return get().file;
    },
    get line() {
      return get().line;
    },
    get column() {
      return get().column;
    },
  });
}

/**
 * Frames kept: builders call this at most four frames below the user's code (a method, the wrapper
 * that records misuse, or a default parameter of the private `with`). Formatting cost grows with every
 * frame kept.
 */
const DEPTH = 4;
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
