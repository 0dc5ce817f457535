/**
 * The token page's lists: outstanding tokens (still able to enroll, with a revoke button) apart
 * from the used, expired and revoked ones, which can enroll nothing any more.
 */
import type { EnrollmentToken } from "../lib/admin_client.ts";
import { absoluteTime, relativeTime } from "../lib/format.ts";
import { ScrollTable } from "./ScrollTable.tsx";

/** Whether a token can still enroll: active by the controller's word and not past its expiry. */
export function isOutstanding(t: EnrollmentToken, now: number): boolean {
  if (t.status !== undefined && t.status !== "active") return false;
  const expires = t.expires_at ? Date.parse(t.expires_at) : NaN;
  return !(expires <= now);
}

/** Props of {@link TokenList}. */
export interface TokenListProps {
  tokens: EnrollmentToken[];
  now: number;
  csrf: string;
}

function Table(props: { id: string; tokens: EnrollmentToken[]; now: number; csrf?: string }) {
  return (
    <ScrollTable
      id={props.id}
      columns={[
        "Id",
        "Role",
        "Agent",
        "Note",
        "Status",
        "Expires",
        props.csrf ? <span class="sr-only" key="actions">Actions</span> : "Used by",
      ]}
    >
      {props.tokens.map((t) => (
        <tr key={t.id} data-id={t.id}>
          <td>
            <code>{t.id}</code>
          </td>
          <td>{t.role ?? "—"}</td>
          <td>{t.agent_id ? <code>{t.agent_id}</code> : "any"}</td>
          <td>{t.note ?? ""}</td>
          <td>{String(t.status ?? "active")}</td>
          <td title={absoluteTime(t.expires_at)}>{relativeTime(t.expires_at, props.now)}</td>
          <td>
            {props.csrf
              ? (
                <form method="post" action={`/tokens/${encodeURIComponent(t.id)}/revoke`}>
                  <input type="hidden" name="_csrf" value={props.csrf} />
                  <button type="submit" class="small">Revoke</button>
                </form>
              )
              : typeof t.used_by === "string"
              ? <code>{t.used_by}</code>
              : "—"}
          </td>
        </tr>
      ))}
    </ScrollTable>
  );
}

/** Outstanding tokens, then the spent ones (used, expired, revoked) in a section of their own. */
export function TokenList(props: TokenListProps) {
  const open = props.tokens.filter((t) => isOutstanding(t, props.now));
  const spent = props.tokens.filter((t) => !isOutstanding(t, props.now));
  return (
    <>
      <section aria-labelledby="list-h">
        <h2 id="list-h">Outstanding tokens</h2>
        {open.length === 0
          ? <p class="empty">No outstanding tokens.</p>
          : <Table id="tokens" tokens={open} now={props.now} csrf={props.csrf} />}
      </section>
      {spent.length > 0 && (
        <section aria-labelledby="spent-h">
          <h2 id="spent-h">Used, expired and revoked tokens</h2>
          <p class="muted">These tokens can enroll nothing any more.</p>
          <Table id="spent-tokens" tokens={spent} now={props.now} />
        </section>
      )}
    </>
  );
}
