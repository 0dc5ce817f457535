/** Small pieces rendered by islands and pages alike. */
import { absoluteTime, relativeTime, statusOf } from "../lib/format.ts";

/** A status badge: ONLINE green, OFFLINE grey, anything else amber. */
export function StatusBadge(props: { status: string | undefined }) {
  const status = statusOf(props);
  const cls = status === "ONLINE" ? "badge ok" : status === "OFFLINE" ? "badge off" : "badge warn";
  return <span class={cls} data-status={status}>{status}</span>;
}

/** A timestamp shown relative to `now`, with the absolute time as a tooltip. */
export function RelTime(props: { iso: string | null | undefined; now: number }) {
  if (!props.iso) return <span class="muted">never</span>;
  return (
    <time dateTime={props.iso} title={absoluteTime(props.iso)}>{relativeTime(props.iso, props.now)}</time>
  );
}

/** A warning line shown when live updates fail. */
export function LiveError(props: { error: string | null }) {
  return props.error ? <p class="banner warn" role="status">{props.error}</p> : null;
}
