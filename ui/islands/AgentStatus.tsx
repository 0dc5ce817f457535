/// <reference lib="dom" />
import type { Connector, Tunneler } from "../lib/admin_client.ts";
import { absoluteTime, expiresSoon, formatBytes } from "../lib/format.ts";
import { LiveError, RelTime, StatusBadge } from "./_bits.tsx";
import { FailureModeLink } from "./_failure_mode.tsx";
import { useLiveJson, useNow } from "./_live.ts";

/** Props of AgentStatus: which agent, and its state rendered on the server. */
export interface AgentStatusProps {
  kind: "connectors" | "tunnelers";
  agent: Connector & Tunneler;
  now: number;
}

function unwrapAgent(body: unknown): Connector & Tunneler {
  const record = body as Record<string, unknown>;
  const inner = record?.connector ?? record?.tunneler;
  return (inner && typeof inner === "object" ? inner : record) as Connector & Tunneler;
}

/** The facts of one connector or tunneler, kept live. */
export default function AgentStatus(props: AgentStatusProps) {
  const { data, error } = useLiveJson<unknown>(
    `/api/admin/${props.kind}/${encodeURIComponent(props.agent.id)}`,
    props.agent,
    false,
  );
  const a = unwrapAgent(data);
  const now = useNow(props.now);
  return (
    <div>
      <LiveError error={error} />
      <dl class="facts" id="agent-status">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={a.status} />
          {a.status === "OFFLINE" && <FailureModeLink id="3.2" />}
        </dd>
        <dt>Last seen</dt>
        <dd>
          <RelTime iso={a.last_seen} now={now} />
        </dd>
        <dt>SPIFFE ID</dt>
        <dd>
          <code>{a.spiffe_id ?? "—"}</code>
        </dd>
        {props.kind === "connectors"
          ? (
            <>
              <dt>Private IP</dt>
              <dd>
                <code>{a.private_ip ?? "—"}</code>
              </dd>
              <dt>Version</dt>
              <dd>{a.version ?? "—"}</dd>
            </>
          )
          : (
            <>
              <dt>Connector</dt>
              <dd>
                {a.connector_id
                  ? <a href={`/connectors/${encodeURIComponent(a.connector_id)}`}>{a.connector_id}</a>
                  : "—"}
              </dd>
            </>
          )}
        <dt>Sessions</dt>
        <dd data-sessions>{a.active_sessions ?? "—"}</dd>
        <dt>Bytes in / out</dt>
        <dd data-bytes title="since the agent started, as it last reported">
          {formatBytes(a.bytes_in)} / {formatBytes(a.bytes_out)}
        </dd>
        <dt>Certificate expires</dt>
        <dd class={expiresSoon(a.cert_expires_at, now) ? "soon" : ""}>
          {absoluteTime(a.cert_expires_at)} (<RelTime iso={a.cert_expires_at} now={now} />)
        </dd>
      </dl>
    </div>
  );
}
