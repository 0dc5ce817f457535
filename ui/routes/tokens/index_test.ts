/** The token page: the install snippet's addresses, the tunneler's allowlist step, outstanding versus spent tokens. */
import assert from "node:assert/strict";
import { testApp } from "../../_test_app.ts";

const form = (fields: Record<string, string>) => new URLSearchParams(fields);
const HOUR = 3_600_000;

function controller(connectors: unknown[]) {
  return (req: Request, url: URL): Response => {
    if (url.pathname === "/api/admin/connectors") return Response.json(connectors);
    if (url.pathname === "/api/admin/tokens" && req.method === "POST") {
      return Response.json({
        id: "0123456789abcdef",
        token: "SECRET",
        role: "tunneler",
        expires_at: new Date(Date.now() + HOUR).toISOString(),
      }, { status: 201 });
    }
    if (url.pathname === "/api/admin/tokens") {
      const at = (ms: number) => new Date(Date.now() + ms).toISOString();
      return Response.json([
        {
          id: "aaaaaaaaaaaaaaaa",
          role: "connector",
          agent_id: "open-1",
          status: "active",
          expires_at: at(HOUR),
        },
        {
          id: "bbbbbbbbbbbbbbbb",
          role: "tunneler",
          agent_id: "used-1",
          status: "used",
          used_by: "used-1",
          expires_at: at(HOUR),
        },
        {
          id: "cccccccccccccccc",
          role: "tunneler",
          agent_id: "late-1",
          status: "expired",
          expires_at: at(-HOUR),
        },
        // "active" by an older controller's word, but past its expiry: spent as well.
        {
          id: "dddddddddddddddd",
          role: "tunneler",
          agent_id: "stale-1",
          status: "active",
          expires_at: at(-1000),
        },
      ]);
    }
    return Response.json({ error: "no route" }, { status: 404 });
  };
}

const ONLINE = [
  { id: "office-1", status: "OFFLINE", private_ip: "10.0.0.4" },
  { id: "office-2", status: "ONLINE", private_ip: "10.0.0.9" },
];

async function createTunnelerToken(app: ReturnType<typeof testApp>): Promise<string> {
  const { cookie, csrf } = await app.login();
  const res = await app.call("/tokens", {
    method: "POST",
    headers: { cookie },
    body: form({ _csrf: csrf, role: "tunneler", agent_id: "laptop-2", ttl: "3600", note: "" }),
  });
  assert.deepEqual(res.status, 201);
  return await res.text();
}

/** The text of the `<pre id=...>` element, unescaped. */
function preText(html: string, id: string): string {
  const m = html.match(new RegExp(`<pre id="${id}">([\\s\\S]*?)</pre>`));
  assert.ok(m, `no <pre id="${id}">`);
  return m[1]!.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&#39;", "'").replaceAll(
    "&quot;",
    '"',
  )
    .replaceAll("&amp;", "&");
}
const snippetOf = (html: string) => preText(html, "install-snippet");

Deno.test("a tunneler token's snippet dials the ONLINE connector by id@ip and says how to allow the tunneler on it", async () => {
  const html = await createTunnelerToken(testApp({ upstream: controller(ONLINE) }));
  const snippet = snippetOf(html);
  assert.match(snippet, new RegExp(RegExp.escape("\nCONTROLLER_ADDR=controller.test:8443\n")));
  assert.match(snippet, new RegExp(RegExp.escape("\nCONNECTOR_ADDR=office-2@10.0.0.9:9443\n")));
  assert.deepEqual(
    preText(html, "allowlist-command"),
    "postern-controller connectors allowlist office-2 --add laptop-2",
  );
  assert.match(html, /href="\/connectors\/office-2"/);
  assert.match(html, /a token for an allowlisted id must be/);
});

Deno.test("unknown addresses are left empty and said so, never a made-up default", async () => {
  const html = await createTunnelerToken(
    testApp({ upstream: controller([ONLINE[0]]), controllerAddr: undefined }),
  );
  const snippet = snippetOf(html);
  assert.match(snippet, /UI_CONTROLLER_ADDR is not set/);
  assert.match(snippet, new RegExp(RegExp.escape("\nCONTROLLER_ADDR=\n")));
  assert.match(snippet, /no ONLINE connector has reported its private IP yet/);
  assert.match(snippet, new RegExp(RegExp.escape("\nCONNECTOR_ADDR=\n")));
  assert.ok(!/127\.0\.0\.1:(8443|9443)/.test(snippet), snippet);
  assert.match(html, /id="controller-addr-unknown"/);
  assert.deepEqual(
    preText(html, "allowlist-command"),
    "postern-controller connectors allowlist <connector-id> --add laptop-2",
  );
});

Deno.test("GET /tokens lists only tokens that can still enroll under Outstanding tokens", async () => {
  const app = testApp({ upstream: controller([]) });
  const { cookie } = await app.login();
  const html = await (await app.call("/tokens", { headers: { cookie } })).text();
  const outstanding = html.match(/<table id="tokens">([\s\S]*?)<\/table>/)?.[1] ?? "";
  const spent = html.match(/<table id="spent-tokens">([\s\S]*?)<\/table>/)?.[1] ?? "";
  assert.match(outstanding, /aaaaaaaaaaaaaaaa/);
  for (const id of ["bbbbbbbbbbbbbbbb", "cccccccccccccccc", "dddddddddddddddd"]) {
    assert.ok(!outstanding.includes(id), `${id} listed as outstanding`);
    assert.match(spent, new RegExp(RegExp.escape(id)));
  }
  assert.match(html, /Used, expired and revoked tokens/);
  // Only outstanding tokens have a revoke button.
  assert.deepEqual([...html.matchAll(/\/revoke"/g)].length, 1);
});
