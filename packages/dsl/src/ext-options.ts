/*
 * The options of the kind methods that WeData keeps in extension keys, in one table: the builders write
 * them with `encodeExtOptions`, and the importer reads them back with `decodeExtOptions`, so the two can
 * never disagree on a key or its encoding. Options with their own logic (a Python version's two keys, a
 * DLC SQL engine kind's implied keys, DLC SQL `conf` as JSON) are handled beside the table.
 */
import { PYTHON_VERSIONS } from "./enums.js";
import type { KeyValue } from "./ir.js";
import type { TaskKind } from "./kinds.js";

/**
 * How an option's value is written: as is, a comma-joined list, `key=value` lines, or a Python version
 * (`python_sub_version`, with `python_type` beside it: by the version, or always python3 on DLC).
 */
export type ExtCodec = "text" | "list" | "lines" | "python" | "python3";

export interface ExtOption {
  /** The option's name in the builder method's options object. */
  readonly option: string;
  /** The extension key WeData keeps it in. */
  readonly key: string;
  readonly codec: ExtCodec;
  /** The method refuses to go without it. */
  readonly required?: boolean;
  /** For Python versions: the versions the builder accepts. */
  readonly versions?: readonly string[];
}

const text = (option: string, key: string, required = false): ExtOption => ({ option, key, codec: "text", required });
const list = (option: string, key: string): ExtOption => ({ option, key, codec: "list" });
const lines = (option: string, key: string): ExtOption => ({ option, key, codec: "lines" });
const PYTHON_TYPE = "python_type";
const pythonTypeOf = (codec: ExtCodec, version: string) =>
  codec === "python3" ? "python3" : version === "python2" ? "python2" : "python3";

/** Every DLC kind: the region and engine descriptor, written first. */
const DLC_ENGINE = [text("region", "dlc_region"), text("engineDescriptor", "dlcDataEngine")];

/** The options each kind keeps in extension keys, in the order they are written. */
export const EXT_OPTIONS: { readonly [K in TaskKind]?: readonly ExtOption[] } = {
  python: [{ option: "version", key: "python_sub_version", codec: "python", versions: PYTHON_VERSIONS }],
  dlcSql: [...DLC_ENGINE, text("engine", "computeResource", true)],
  dlcSpark: [
    ...DLC_ENGINE,
    text("engine", "dataEngine", true),
    text("appFile", "dlcSparkAppFile", true),
    text("mainClass", "dlcSparkMainClass"),
    text("roleArn", "roleArn"),
    list("jars", "dlcSparkAppJars"),
    list("pyFiles", "dlcSparkAppPyFiles"),
    list("files", "dlcSparkAppFiles"),
    list("archives", "dlcSparkAppArchives"),
    lines("conf", "dlcSparkAppConf"),
    text("args", "dlcSparkCmdArgsV2"),
  ],
  dlcPySpark: [
    ...DLC_ENGINE,
    text("engine", "dataEngine", true),
    text("roleArn", "roleArn"),
    { option: "pythonVersion", key: "python_sub_version", codec: "python3", versions: PYTHON_VERSIONS },
    text("mainArgs", "cmdargsMainArgs"),
    lines("conf", "cmdargsSparkConfig"),
  ],
  dlcSparkStreaming: [...DLC_ENGINE, text("engine", "dataEngine", true)],
  shellForm: [text("resource", "ftp.file.name", true), text("command", "shell.cmd", true), text("args", "shell.args")],
};

/** The options a kind keeps in extension keys (none for most kinds). */
export const extOptionsOf = (kind: TaskKind): readonly ExtOption[] => EXT_OPTIONS[kind] ?? [];

/** A decoded option value: text, a list, or `key=value` pairs in their order. */
export type ExtOptionValue = string | readonly string[] | ReadonlyArray<readonly [string, string]>;

/** Write a kind's options as extension entries, in the table's order; unset options write nothing. */
export function encodeExtOptions(kind: TaskKind, options: Readonly<Record<string, unknown>>): KeyValue[] {
  const out: KeyValue[] = [];
  for (const o of extOptionsOf(kind)) {
    const v = options[o.option];
    if (v === undefined) continue;
    if (o.codec === "list") {
      const xs = v as readonly string[];
      if (xs.length > 0) out.push(Object.freeze([o.key, xs.join(",")] as const));
    } else if (o.codec === "lines") {
      const text = Object.entries(v as Record<string, string>)
        .map(([k, x]) => `${k}=${x}`)
        .join("\n");
      out.push(Object.freeze([o.key, text] as const));
    } else if (o.codec === "python" || o.codec === "python3") {
      out.push(Object.freeze([PYTHON_TYPE, pythonTypeOf(o.codec, String(v))] as const));
      out.push(Object.freeze([o.key, String(v)] as const));
    } else out.push(Object.freeze([o.key, String(v)] as const));
  }
  return out;
}

/**
 * Read a kind's options back from its extension entries, taking the keys it reads out of `ext`. A value
 * that does not decode (lines that are not `key=value`) stays in `ext`, to be kept as it is; a required
 * option that is missing is named in `missing`.
 */
export function decodeExtOptions(
  kind: TaskKind,
  ext: Map<string, string>,
): { values: Map<string, ExtOptionValue>; missing: string[] } {
  const values = new Map<string, ExtOptionValue>();
  const missing: string[] = [];
  for (const o of extOptionsOf(kind)) {
    const v = ext.get(o.key);
    if (v === undefined || (v === "" && o.codec !== "text")) {
      if (o.required) missing.push(o.key);
      continue;
    }
    if (o.codec === "python" || o.codec === "python3") {
      // A version the builder accepts, with the python_type it writes beside it; anything else stays as keys.
      if (!(o.versions ?? []).includes(v) || ext.get(PYTHON_TYPE) !== pythonTypeOf(o.codec, v)) continue;
      values.set(o.option, v);
      ext.delete(PYTHON_TYPE);
    } else if (o.codec === "lines") {
      const pairs = v.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const);
      const keys = pairs.map(([k]) => k);
      // Only what the option can hold: every line key=value, keys unique and not numeric (object order).
      if (v === "" || v.split("\n").some((l) => !l.includes("=")) || new Set(keys).size !== keys.length) continue;
      if (keys.some((k) => /^\d+$/.test(k))) continue;
      values.set(o.option, pairs);
    } else if (o.codec === "list") values.set(o.option, v.split(","));
    else {
      if (v === "" && o.required) missing.push(o.key);
      values.set(o.option, v);
    }
    ext.delete(o.key);
  }
  return { values, missing };
}
