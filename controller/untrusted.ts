/**
 * Text from unauthenticated callers, bounded before it reaches a log line, an event or a metric.
 * @module
 */

/** The longest text kept from one unauthenticated field (bytes of its UTF-16 string, roughly). */
export const MAX_UNTRUSTED_TEXT = 256;

/**
 * `text` cut to `max` characters with a marker that says how much was dropped, e.g.
 * `aaaa…[truncated 2999744 characters]`; shorter text is returned unchanged. Non-strings become
 * their `String()` form first, so a caller can pass any decoded field.
 */
export function capText(text: unknown, max = MAX_UNTRUSTED_TEXT): string {
  const s = typeof text === "string" ? text : String(text);
  if (s.length <= max) return s;
  return `${s.slice(0, max)}…[truncated ${s.length - max} characters]`;
}
