import { describe, expect, it } from "vitest";
import { loadSqlite } from "../src/sqlite.js";

describe("the emulator's optional SQLite dependency", () => {
  it("loads better-sqlite3 when it is installed", () => {
    const Database = loadSqlite();
    const db = new Database(":memory:");
    expect(db.prepare("SELECT 1 + 1 AS n").get()).toEqual({ n: 2 });
    db.close();
  });

  it("says what is missing and what to do when it is not installed", () => {
    const missing = () => {
      throw Object.assign(new Error("Cannot find module 'better-sqlite3'"), { code: "MODULE_NOT_FOUND" });
    };
    expect(() => loadSqlite(missing)).toThrow(
      /needs better-sqlite3, which is not installed .*npm install better-sqlite3.*cloud target with credentials/,
    );
  });

  it("tells a native build that does not load apart from a missing package", () => {
    const broken = () => {
      throw Object.assign(new Error("invalid ELF header"), { code: "ERR_DLOPEN_FAILED" });
    };
    expect(() => loadSqlite(broken)).toThrow(/is installed but its native part does not load/);
  });

  it("lets any other failure through unchanged", () => {
    const other = () => {
      throw new TypeError("boom");
    };
    expect(() => loadSqlite(other)).toThrow(TypeError);
  });
});
