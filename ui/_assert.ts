/** The few assertions the UI's tests need (no JSR here): node:assert with std-like names. */
import { strict as node } from "node:assert";

/** Asserts `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  node.ok(value, message ?? "assertion failed");
}
/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  node.deepStrictEqual(actual, expected, message ?? "values differ");
}
/** `text` matches `re`. */
export function assertMatch(text: string, re: RegExp, message?: string): void {
  node.match(text, re, message ?? `expected ${re} to match ${text.slice(0, 300)}`);
}
/** `text` contains `part`. */
export function assertStringIncludes(text: string, part: string, message?: string): void {
  if (!text.includes(part)) {
    throw new node.AssertionError({
      message: message ?? `expected to find "${part}" in:\n${text.slice(0, 2000)}`,
    });
  }
}
