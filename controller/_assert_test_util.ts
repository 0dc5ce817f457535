/**
 * Internal test helpers on top of node:assert/strict (no JSR in this environment).
 * @module
 */
import assert from "node:assert/strict";

/** Truthiness. */
export function assertOk(value: unknown, message?: string): asserts value {
  assert.ok(value, message ?? "assertion failed");
}
/** Deep equality. */
export function assertEquals<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
  assert.deepStrictEqual(actual, expected, message ?? "values differ");
}

/** `fn` throws an instance of `cls` whose message contains `includes`. */
export function assertThrows(fn: () => unknown, cls: new (...a: never[]) => Error, includes = ""): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    assert.ok(
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
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    assert.ok(
      (e as Error).message.includes(includes),
      `message "${(e as Error).message}" lacks "${includes}"`,
    );
    return true;
  });
}
