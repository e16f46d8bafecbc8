import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";

/**
 * The emulator keeps its data in SQLite through better-sqlite3, an optional dependency: a user who only
 * deploys to the cloud installs wedata-kit without it (it compiles from source where no prebuilt binary
 * fits, which needs a C++ toolchain), and it is loaded only when an emulator starts.
 */
export type SqliteDatabase = BetterSqlite3.Database;

type Loader = (id: string) => unknown;

/** The better-sqlite3 constructor, or an error that says what is missing and what to do. */
export function loadSqlite(load: Loader = createRequire(import.meta.url)): typeof BetterSqlite3 {
  try {
    return load("better-sqlite3") as typeof BetterSqlite3;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== "MODULE_NOT_FOUND" && code !== "ERR_DLOPEN_FAILED") throw e;
    const why = code === "MODULE_NOT_FOUND" ? "is not installed" : "is installed but its native part does not load";
    throw new Error(
      `the local WeData emulator needs better-sqlite3, which ${why} (an optional dependency: its install may ` +
        `have been skipped for want of a C++ toolchain). Install it with \`npm install better-sqlite3\`, or ` +
        `deploy to a cloud target with credentials, which needs no emulator.`,
      { cause: e },
    );
  }
}
