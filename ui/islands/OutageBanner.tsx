/// <reference lib="dom" />
import { useEffect, useState } from "preact/hooks";
import type { OutageBanner as Banner } from "../lib/outage.ts";

/** Props of OutageBanner: the banner rendered on the server, or null. */
export interface OutageBannerProps {
  banner: Banner | null;
}

/** How often the island asks; the UI's sampler changes the state at most this often. */
const POLL_MS = 5_000;

/**
 * Since when the controller is unreachable and the outage budget (ui/lib/outage.ts), kept live
 * from `/api/outage` every 5 s (no events stream: the state changes only at the UI's own poll), so
 * it appears and goes without a reload. A failed read keeps what is shown.
 */
export default function OutageBanner(props: OutageBannerProps) {
  const [b, setBanner] = useState(props.banner);
  useEffect(() => {
    const read = async () => {
      try {
        const res = await fetch("/api/outage", { headers: { accept: "application/json" } });
        if (!res.ok) return void await res.body?.cancel();
        setBanner(((await res.json()) as { banner: Banner | null }).banner);
      } catch { /* the UI itself is unreachable: keep the last banner */ }
    };
    const timer = setInterval(read, POLL_MS);
    return () => clearInterval(timer);
  }, []);
  if (!b) return null;
  return (
    <p
      class="banner warn"
      role="alert"
      id="outage-banner"
      data-since={b.since}
      data-expires-at={b.expiresAt}
      data-agents={b.agents.join(",")}
    >
      {b.text}
    </p>
  );
}
