import { describe, expect, it } from "vitest";
import { quartzCronProblem } from "./quartz.js";

// The examples of Quartz's CronTrigger tutorial, with the optional year written out (WeData takes 7 fields).
describe("Quartz cron expressions", () => {
  it.each([
    "0 0 12 * * ? *",
    "0 15 10 ? * * *",
    "0 15 10 * * ? *",
    "0 15 10 * * ? 2025",
    "0 * 14 * * ? *",
    "0 0/5 14 * * ? *",
    "0 0/5 14,18 * * ? *",
    "0 0-5 14 * * ? *",
    "0 10,44 14 ? 3 WED *",
    "0 15 10 ? * MON-FRI *",
    "0 15 10 15 * ? *",
    "0 15 10 L * ? *",
    "0 15 10 ? * 6L *",
    "0 15 10 ? * 6L 2022-2025",
    "0 15 10 ? * 6#3 *",
    "0 0 12 1/5 * ? *",
    "0 11 11 11 11 ? *",
    "0 0 2 * * ? *",
    "0 5 * * * ? *",
    "0 0 0 15W * ? *",
  ])("accepts %s", (expr) => expect(quartzCronProblem(expr)).toBeUndefined());

  it.each([
    ["0 30 2 * * * *", /day of month and day of week are both set: Quartz needs '\?' in exactly one of them/],
    ["0 0 12 ? * ? *", /Quartz needs '\?' in exactly one of them/],
    ["0 0 2 * * ?", /it has 6 field\(s\); WeData expects 7/],
    ["60 0 2 * * ? *", /seconds/i],
    ["0 60 2 * * ? *", /minutes/i],
    ["0 0 24 * * ? *", /hours/i],
    ["0 0 2 32 * ? *", /day of month/i],
    ["0 0 2 ? 13 * *", /months/i],
    ["0 0 2 ? * 8 *", /day of week/i],
    ["0 0 2 ? * MON#6 *", /occurrence of the day of the week/i],
    ["0 0 2 L,5 * ? *", /day of month/i],
    ["0 0 2 * * ? 2100", /years/i],
    ["not a cron at all x", /./],
  ])("refuses %s", (expr, why) => expect(quartzCronProblem(expr)).toMatch(why));
});
