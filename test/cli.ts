import { main } from "../packages/cli/src/main.js";

/** Run the CLI in process with extra environment; returns exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    const code = await main(["node", "wedata", ...args], {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    });
    // Colours depend on the terminal and on CI; tests read the text.
    const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
    return { code, out: plain(out), err: plain(err) };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Environment that points the CLI at an emulator and hides any real credentials. */
export const emulatorEnv = (url: string) => ({
  WEDATA_ENDPOINT: url,
  TENCENTCLOUD_SECRET_ID: undefined,
  TENCENTCLOUD_SECRET_KEY: undefined,
  CI: "true",
});
