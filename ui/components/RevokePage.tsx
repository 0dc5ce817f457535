/** The confirmation step before revoking a connector or tunneler (a page, so it works without JavaScript). */
import type { Ctx } from "../context.ts";

/** Renders "Revoke <kind> <id>?" with a confirm button that POSTs back to the same URL. */
export function revokeConfirmation(
  ctx: Ctx,
  kind: "connector" | "tunneler",
  id: string,
  error?: string,
): Response {
  const back = `/${kind}s/${encodeURIComponent(id)}`;
  return ctx.page(
    `Revoke ${kind} ${id}`,
    <section class="danger">
      <h1>
        Revoke {kind} {id}?
      </h1>
      <p>
        Its certificate stops being accepted, its sessions end, and it must enroll again with a new token.
        This cannot be undone.
      </p>
      <form method="post" action={`${back}/revoke`}>
        <input type="hidden" name="_csrf" value={ctx.session.csrf} />
        <button type="submit" class="danger" id="confirm-revoke">Yes, revoke {id}</button>{" "}
        <a href={back}>Cancel</a>
      </form>
    </section>,
    { error, status: error ? 502 : 200 },
  );
}
