/**
 * The named assertions some tests prefer (std-like names, no JSR in this environment), on top of
 * node:assert/strict: one module for the UI, controller and connector tests alike.
 * @module
 */
import strict from "node:assert/strict";

/** Asserts `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  strict.ok(value, message ?? "assertion failed");
}

/** Asserts `value` is truthy (the same as assert()). */
export const assertOk: (value: unknown, message?: string) => asserts value = assert;

/** Deep strict equality. */
export function assertEquals(actual: unknown, expected: unknown, message?: string): void {
  strict.deepStrictEqual(actual, expected, message ?? "values differ");
}

/** `text` matches `re`. */
export function assertMatch(text: string, re: RegExp, message?: string): void {
  strict.match(text, re, message ?? `expected ${re} to match ${text.slice(0, 300)}`);
}

/** `text` contains `part`. */
export function assertStringIncludes(text: string, part: string, message?: string): void {
  if (!text.includes(part)) {
    throw new strict.AssertionError({
      message: message ?? `expected to find "${part}" in:\n${text.slice(0, 2000)}`,
    });
  }
}

/** `fn` throws an instance of `cls` whose message contains `includes`. */
export function assertThrows(fn: () => unknown, cls: new (...a: never[]) => Error, includes = ""): void {
  strict.throws(fn, (e: unknown) => {
    strict.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    strict.ok(
      (e as Error).message.includes(includes),
      `message "${(e as Error).message}" lacks "${includes}"`,
    );
    return true;
  });
}

/** `fn` rejects with an instance of `cls` whose message contains `includes`. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  cls: new (...a: never[]) => Error,
  includes = "",
): Promise<void> {
  await strict.rejects(fn, (e: unknown) => {
    strict.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    strict.ok(
      (e as Error).message.includes(includes),
      `message "${(e as Error).message}" lacks "${includes}"`,
    );
    return true;
  });
}
