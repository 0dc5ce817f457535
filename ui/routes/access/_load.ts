/** What the access editors read from the admin API: one record, all records, a field's choices. */
import { type Ctx, describeError } from "../../context.ts";
import { AdminApiError } from "../../lib/admin_client.ts";
import type { AccessKind, AccessKindSpec, AccessRecord, ChoiceSource } from "../../lib/access_kinds.ts";

/** `/api/admin/<kind>[/<name>]`. */
export function apiPath(kind: AccessKind, name?: string): string {
  return name === undefined ? `/api/admin/${kind}` : `/api/admin/${kind}/${encodeURIComponent(name)}`;
}

/** The UI page of one record (or of an agent, for `connectors` and `tunnelers`). */
export function pagePath(kind: AccessKind | ChoiceSource, name?: string): string {
  return name === undefined ? `/${kind}` : `/${kind}/${encodeURIComponent(name)}`;
}

/** Every record of `kind`. */
export function listRecords(ctx: Ctx, kind: AccessKind): Promise<AccessRecord[]> {
  return ctx.deps.client.list<AccessRecord>(apiPath(kind), kind);
}

/** The names each list field of `spec` may pick from (ids of enrolled agents, names of records). */
export async function loadChoices(
  ctx: Ctx,
  spec: AccessKindSpec,
): Promise<Partial<Record<ChoiceSource, string[]>>> {
  const { client } = ctx.deps;
  const entries = await Promise.all(spec.lists.map(async (f) => {
    const items = f.name === "connectors" || f.name === "tunnelers"
      ? await client.list<{ id: string }>(`/api/admin/${f.name}`, f.name)
      : await client.list<{ name: string }>(apiPath(f.name), f.name);
    const names = items.map((i) => "id" in i ? i.id : i.name).filter((n) => typeof n === "string");
    return [f.name, names.sort()] as const;
  }));
  return Object.fromEntries(entries);
}

/**
 * A failed write as the form shows it: the controller's own message for an API error (it names
 * the field and the fix), the banner text for an unreachable controller.
 */
export function apiFailure(e: unknown): { status: number; message: string } {
  if (e instanceof AdminApiError) return { status: e.status, message: e.message };
  return describeError(e);
}
