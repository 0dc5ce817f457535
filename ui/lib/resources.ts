/**
 * The connector page's resources textarea: split into entries, each checked by the one address
 * parser (`shared/access/address.ts`), so that the page refuses exactly what the admin API
 * refuses, in the same words.
 * @module
 */
import { resourceError } from "../../shared/access/address.ts";

/** Splits textarea input into entries (one per line or comma-separated) and validates each. */
export function parseResources(text: string): { resources: string[]; errors: string[] } {
  const resources = text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
  const errors = resources.map(resourceError).filter((e): e is string => e !== undefined);
  return { resources: [...new Set(resources)], errors };
}
