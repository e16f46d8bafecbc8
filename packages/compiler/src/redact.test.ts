import { describe, expect, it } from "vitest";
import { byRules, containsSecret, redactSecrets, redactValue, rememberSecrets } from "./redact.js";
import { seededRandom } from "../../../test/helpers.js";

describe("redactSecrets", () => {
  it.each([
    ["password=hunter22", "password=[REDACTED]"],
    ["DB_PASSWORD: hunter22", "DB_PASSWORD: [REDACTED]"],
    ['{"api_key": "abcdef123"}', '{"api_key": "[REDACTED]"}'],
    ["mysql --password hunter22 -h db", "mysql --password [REDACTED] -h db"],
    ["ALTER USER etl PASSWORD 'hunter22';", "ALTER USER etl PASSWORD '[REDACTED]';"],
    ["curl -u etl:hunter22 https://x", "curl -u etl:[REDACTED] https://x"],
    ["https://etl:hunter22@db.example.com/x", "https://etl:[REDACTED]@db.example.com/x"],
    ["Authorization: Bearer abcdefghijkl", "Authorization: Bearer [REDACTED]"],
    ["id AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE here", "id [REDACTED] here"],
    ["k=-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "k=[REDACTED PRIVATE KEY]"],
  ])("hides the value in %j", (text, redacted) => expect(redactSecrets(text)).toBe(redacted));

  it.each([
    "set WEDATA_DB_PASSWORD (locally, or as a CI secret) before compiling or deploying",
    "TENCENTCLOUD_SESSION_TOKEN is set but TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY is empty or missing",
    "/home/u/.tencentcloud/credentials has no [default] section with secret_id and secret_key; fix the file",
    "secret_key in /home/u/.tencentcloud/credentials contains white space",
    "environment variable WEDATA_DB_PASSWORD is not set",
  ])("keeps the user's own names and our hints readable: %j", (text) => expect(redactSecrets(text)).toBe(text));

  it("skips the rules only for text none of them can match", () => {
    const rnd = seededRandom(7);
    // Pieces of what each rule looks for, in any case and order, and plain text around them.
    const parts = [
      "password",
      "PassWd",
      "pwd",
      "Secret",
      "TOKEN",
      "api-key",
      "access_key",
      "Private-Key",
      "credential",
      "https://etl:",
      "@db",
      "-u etl:",
      "--user=etl:",
      " ",
      "=",
      ": ",
      "'",
      '"',
      "Bearer ",
      "bearer ",
      "AKIDabcdefghijklmn",
      "AKIA0123456789ABCDEF",
      "-----BEGIN RSA PRIVATE KEY-----",
      "-----END RSA PRIVATE KEY-----",
      "x",
      "abc123",
      "hunter22",
      "\n",
      "$x",
      "[REDACTED]",
      "ALL",
      "--",
      "-",
    ];
    for (let i = 0; i < 20000; i++) {
      const text = Array.from(
        { length: 1 + Math.floor(rnd() * 8) },
        () => parts[Math.floor(rnd() * parts.length)],
      ).join("");
      expect(redactSecrets(text), text).toBe(byRules(text));
    }
  });

  it("hides declared secrets wherever they appear, and knows what holds one", () => {
    rememberSecrets({ TaskSchedulingParameterList: [{ ParamKey: "db_pwd", ParamValue: "s3cr3t-value-x" }] });
    expect(redactSecrets("echo s3cr3t-value-x")).toBe("echo [REDACTED]");
    expect(containsSecret({ a: ["x", "prefix s3cr3t-value-x"] })).toBe(true);
    expect(containsSecret([{ ParamKey: "api_token", ParamValue: "v" }])).toBe(true);
    expect(containsSecret([{ ParamKey: "bizdate", ParamValue: "${yyyyMMdd}" }])).toBe(false);
  });

  it("redactValue copies plain data with secrets hidden: pairs, secret-named keys, code, and text", () => {
    const value = JSON.parse(`{
      "ProjectId": "1",
      "__proto__": { "polluted": "yes" },
      "TriggerTaskConfiguration": {
        "CodeContent": "ZWNobyBoaQo=",
        "TaskExtConfigurationList": [
          { "ParamKey": "db_password", "ParamValue": "hunter2-x" },
          { "ParamKey": "bizdate", "ParamValue": "\${yyyyMMdd}" }
        ],
        "api_token": "abcd1234",
        "Note": "curl -H 'Authorization: Bearer abcdefghijklmnop' x"
      },
      "List": [1, null, true, "plain"]
    }`);
    const out = redactValue(value);
    expect(JSON.stringify(out)).toBe(
      '{"ProjectId":"1","__proto__":{"polluted":"yes"},"TriggerTaskConfiguration":{"CodeContent":"[code, 8 bytes]",' +
        '"TaskExtConfigurationList":[{"ParamKey":"db_password","ParamValue":"[REDACTED]"},{"ParamKey":"bizdate",' +
        '"ParamValue":"${yyyyMMdd}"}],"api_token":"[REDACTED]","Note":"curl -H \'Authorization: Bearer [REDACTED]\' x"},' +
        '"List":[1,null,true,"plain"]}',
    );
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(out)).toEqual(["ProjectId", "__proto__", "TriggerTaskConfiguration", "List"]);
    expect(redactValue(value, () => "#").TriggerTaskConfiguration.CodeContent).toBe("#");
    expect(out.TriggerTaskConfiguration.Note).not.toContain("abcdefghijklmnop");
  });
});
