import { DslError } from "./errors.js";
import { callerLocation } from "./source-location.js";

/**
 * The value of an environment variable, for values that must not be written in code (passwords,
 * tokens): set it locally or as a CI secret. Unset or empty is an error at the line that asks for it,
 * never a silent empty value.
 * @example task("load").shell("jobs/load.sh").schedulingParams({ db_password: env("WEDATA_DB_PASSWORD") })
 */
export function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new DslError(
      "E_ENV_MISSING",
      `environment variable ${name} is not set`,
      callerLocation(),
      `set ${name} (locally, or as a CI secret) before compiling or deploying`,
    );
  }
  envSecrets().add(value);
  return value;
}

/** Values read with `env()`: the CLI hides them in everything it prints. */
export function envSecrets(): Set<string> {
  const g = globalThis as { [key: symbol]: Set<string> | undefined };
  const key = Symbol.for("wedata-kit.env-values");
  g[key] ??= new Set<string>();
  return g[key];
}
