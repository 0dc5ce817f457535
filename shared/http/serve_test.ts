import assert from "node:assert/strict";
import { createLogger } from "../log/logger.ts";
import { makeTestPki } from "../pki/testing.ts";
import { type HttpBounds, type HttpConnInfo, type HttpHandler, serveHttp } from "./serve.ts";

const log = createLogger({ level: "error", format: "text", write: () => {} });
const FAST: Partial<HttpBounds> = {
  headersTimeoutMs: 300,
  requestTimeoutMs: 600,
  keepAliveTimeoutMs: 300,
  maxHeaderBytes: 4096,
  handshakeTimeoutMs: 300,
  checkEveryMs: 50,
};
const enc = new TextEncoder();

/** Reads until the server closes; returns what arrived and after how long. Gives up after 5 s. */
async function untilClosed(conn: Deno.Conn): Promise<{ text: string; ms: number }> {
  const started = Date.now();
  const buf = new Uint8Array(65536);
  let text = "";
  const giveUp = setTimeout(() => conn.close(), 5000);
  try {
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  } finally {
    clearTimeout(giveUp);
  }
  try {
    conn.close();
  } catch { /* closed */ }
  return { text, ms: Date.now() - started };
}

async function withServer(
  fn: (port: number) => Promise<void>,
  handler: HttpHandler = async (req) => new Response(await req.text()),
) {
  const server = await serveHttp(
    { addr: { hostname: "127.0.0.1", port: 0 }, addrVariable: "TEST_ADDR", log, bounds: FAST },
    handler,
  );
  try {
    await fn(server.port);
  } finally {
    await server.shutdown();
  }
}

Deno.test("serveHttp() closes a connection that sends nothing, with 408, after the header timeout", async () => {
  await withServer(async (port) => {
    const r = await untilClosed(await Deno.connect({ hostname: "127.0.0.1", port }));
    assert.match(r.text, /^HTTP\/1\.1 408/);
    assert.ok(r.ms < 3000, `${r.ms} ms`);
  });
});

Deno.test("serveHttp() closes a connection whose request head never ends", async () => {
  await withServer(async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(enc.encode("GET /healthz HTTP/1.1\r\nhost: x\r\n"));
    const r = await untilClosed(conn);
    assert.match(r.text, /^HTTP\/1\.1 408/);
  });
});

Deno.test("serveHttp() closes a connection that drips its body slower than the request timeout", async () => {
  await withServer(async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(enc.encode("POST /x HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"));
    const r = await untilClosed(conn);
    assert.ok(!r.text.includes(" 200 "), r.text);
    assert.ok(r.ms < 3000, `${r.ms} ms`);
  });
});

Deno.test("serveHttp() closes an idle keep-alive connection after the keep-alive timeout", async () => {
  await withServer(async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(enc.encode("GET /x HTTP/1.1\r\nhost: x\r\n\r\n"));
    const r = await untilClosed(conn);
    assert.match(r.text, /^HTTP\/1\.1 200/);
    assert.ok(r.ms < 3000, `${r.ms} ms`);
  });
});

Deno.test("serveHttp() answers 431 to a request head over the size limit without running the handler", async () => {
  let ran = false;
  await withServer(async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(enc.encode(`GET /x HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(8192)}\r\n\r\n`));
    const r = await untilClosed(conn);
    assert.match(r.text, /^HTTP\/1\.1 431/);
  }, () => {
    ran = true;
    return new Response("ran");
  });
  assert.equal(ran, false);
});

Deno.test("serveHttp() closes a TLS connection that never finishes its handshake", async () => {
  const pki = await makeTestPki();
  const svid = await pki.issue("controller", "admin", { ipSans: ["127.0.0.1"] });
  const tls = { certPem: svid.certPem, keyPem: svid.keyPem };
  const seen: HttpConnInfo[] = [];
  const server = await serveHttp(
    { addr: { hostname: "127.0.0.1", port: 0 }, addrVariable: "TEST_ADDR", log, tls, bounds: FAST },
    (_req, t) => {
      seen.push(t);
      return new Response("ok");
    },
  );
  const client = Deno.createHttpClient({ caCerts: [pki.caPem] });
  try {
    const ok = await fetch(`https://127.0.0.1:${server.port}/`, { client });
    assert.equal(await ok.text(), "ok");
    assert.equal(seen[0]?.tls, true);
    assert.deepEqual({ ...seen[0]?.remoteAddr, port: 0 }, {
      transport: "tcp",
      hostname: "127.0.0.1",
      port: 0,
    });
    const r = await untilClosed(await Deno.connect({ hostname: "127.0.0.1", port: server.port }));
    assert.equal(r.text, "");
    assert.ok(r.ms < 3000, `${r.ms} ms`);
  } finally {
    client.close();
    await server.shutdown();
  }
});

Deno.test("serveHttp() answers a handler's early 413 to a chunked upload and keeps the connection usable", async () => {
  await withServer(async (port) => {
    const big = new Uint8Array(2 * 1024 * 1024).fill(97);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < big.length; i += 65536) c.enqueue(big.subarray(i, i + 65536));
        c.close();
      },
    });
    const r = await fetch(
      `http://127.0.0.1:${port}/x`,
      { method: "POST", body, duplex: "half" } as RequestInit,
    );
    assert.equal(r.status, 413);
    assert.equal(await r.text(), "too large");
    const again = await fetch(`http://127.0.0.1:${port}/x`, { method: "POST", body: "{}" });
    assert.equal(again.status, 200);
    await again.body?.cancel();
  }, async (req) => {
    let size = 0;
    for await (const chunk of req.body!) {
      size += chunk.length;
      if (size > 1024 * 1024) return new Response("too large", { status: 413 });
    }
    return new Response("ok");
  });
});

Deno.test("serveHttp() cancels a streamed response body when the client goes away", async () => {
  const cancelled = Promise.withResolvers<void>();
  await withServer(async (port) => {
    const ac = new AbortController();
    const r = await fetch(`http://127.0.0.1:${port}/stream`, { signal: ac.signal });
    const reader = r.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "first\n");
    ac.abort();
    await reader.cancel().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      cancelled.promise,
      new Promise((_, reject) =>
        timer = setTimeout(() => reject(new Error("body not cancelled in 5 s")), 5000)
      ),
    ]).finally(() => clearTimeout(timer));
  }, () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(enc.encode("first\n"));
        },
        cancel() {
          cancelled.resolve();
        },
      }),
    ));
});

Deno.test("serveHttp() keeps streaming a response (server-sent events) past the request and idle timeouts", async () => {
  await withServer(async (port) => {
    const r = await fetch(`http://127.0.0.1:${port}/events`);
    const text = await r.text();
    assert.equal(text, "data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n");
  }, () => {
    let n = 0;
    let timer: ReturnType<typeof setInterval> | undefined;
    // 5 events 300 ms apart: 1.5 s, longer than FAST's request (600 ms) and keep-alive (300 ms) timeouts.
    return new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          timer = setInterval(() => {
            c.enqueue(enc.encode(`data: ${n++}\n\n`));
            if (n === 5) {
              clearInterval(timer);
              c.close();
            }
          }, 300);
        },
        cancel() {
          clearInterval(timer);
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  });
});

Deno.test("serveHttp() sends every Set-Cookie header of the response", async () => {
  await withServer(async (port) => {
    const r = await fetch(`http://127.0.0.1:${port}/`);
    await r.body?.cancel();
    assert.deepEqual(r.headers.getSetCookie(), ["a=1; Path=/", "b=2; Path=/"]);
  }, () => {
    const headers = new Headers();
    headers.append("set-cookie", "a=1; Path=/");
    headers.append("set-cookie", "b=2; Path=/");
    return new Response("ok", { headers });
  });
});

Deno.test("serveHttp() hands the handler the socket's peer and a URL on urlHost, whatever the Host header says", async () => {
  const seen: Array<{ url: string; info: HttpConnInfo }> = [];
  const server = await serveHttp(
    { addr: { hostname: "127.0.0.1", port: 0 }, addrVariable: "TEST_ADDR", log, urlHost: "ui.invalid" },
    (req, info) => {
      seen.push({ url: req.url, info });
      return new Response("ok");
    },
  );
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(enc.encode("GET /a?b=c HTTP/1.1\r\nhost: evil.example\r\nconnection: close\r\n\r\n"));
    assert.match((await untilClosed(conn)).text, /^HTTP\/1\.1 200/);
    assert.equal(seen[0]?.url, "http://ui.invalid/a?b=c");
    assert.equal(seen[0]?.info.tls, false);
    assert.equal(seen[0]?.info.remoteAddr.hostname, "127.0.0.1");
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveHttp() rejects with bind: address already in use naming the variable when the port is taken (5.3)", async () => {
  const first = await serveHttp(
    { addr: { hostname: "127.0.0.1", port: 0 }, addrVariable: "TEST_ADDR", log },
    () => new Response("ok"),
  );
  try {
    await assert.rejects(
      serveHttp(
        { addr: { hostname: "127.0.0.1", port: first.port }, addrVariable: "TEST_ADDR", log },
        () => new Response("ok"),
      ),
      {
        failureMode: "5.3",
        message:
          `bind: address already in use: TEST_ADDR 127.0.0.1:${first.port} is taken; stop the other process or set TEST_ADDR to a free port`,
      },
    );
  } finally {
    await first.shutdown();
  }
});
