import { findSourceMap, type SourceMap } from "node:module";
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
 * The first stack frame outside this package: the user's builder call. Builders call this two or three
 * frames below the user's code, so only a few frames are captured (formatting each frame through the
 * loader's source maps is what costs); a deeper caller gets a second, full capture.
 */
export function callerLocation(): SourceLocation {
  return capture(SHALLOW) ?? capture(100) ?? UNKNOWN;
}

const SHALLOW = 5;

function capture(limit: number): SourceLocation | undefined {
  const previous = Error.stackTraceLimit;
  // With source maps on (tsx turns them on), every frame is mapped while the stack is formatted; the
  // raw positions are taken instead, and only the user's frame is mapped, through a cached map.
  const mapping = process.sourceMapsEnabled === true;
  const holder: { stack?: string } = {};
  try {
    if (mapping) process.setSourceMapsEnabled(false);
    Error.stackTraceLimit = limit;
    Error.captureStackTrace(holder, callerLocation);
  } finally {
    Error.stackTraceLimit = previous;
    if (mapping) process.setSourceMapsEnabled(true);
  }
  return fromText(holder.stack ?? "");
}

const maps = new Map<string, SourceMap | null>();

/** The position in the original source (TypeScript) of a position in the code the loader ran. */
function original(url: string, line: number, column: number): { line: number; column: number } {
  let map = maps.get(url);
  if (map === undefined) {
    map = findSourceMap(url) ?? null;
    maps.set(url, map);
  }
  const entry = map?.findEntry(line - 1, column - 1) as { originalLine?: number; originalColumn?: number } | undefined;
  return entry && typeof entry.originalLine === "number" ? { line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 } : { line, column };
}

const UNKNOWN: SourceLocation = Object.freeze({ file: "<unknown>", line: 0, column: 0 });
const framePattern = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/;

/** The absolute path of a frame's file when it is the user's code (not this package, node or a dependency). */
function userFile(raw: string): string | undefined {
  if (!raw) return undefined;
  // Loaders may add a query (`?v=2`) to re-import edited files; it is not part of the path.
  let file = raw.replace(/\?.*$/, "");
  if (file.startsWith("file://")) file = fileURLToPath(file);
  if ((file.startsWith(dslDir) && !file.endsWith(".test.ts")) || file.startsWith("node:") || file.includes("/node_modules/")) return undefined;
  return file;
}

function fromText(stack: string): SourceLocation | undefined {
  for (const line of stack.split("\n").slice(1)) {
    const m = framePattern.exec(line.trim());
    const file = m ? userFile(m[1]!) : undefined;
    if (file) return Object.freeze({ file, ...original(m![1]!, Number(m![2]), Number(m![3])) });
  }
  return undefined;
}
