/** Static files: the stylesheet and the islands bundle, read once at startup and served with cache headers. */
const fromFileUrl = (url: URL) => decodeURIComponent(url.pathname);

/** One static file in memory. */
export interface StaticFile {
  body: Uint8Array;
  type: string;
  etag: string;
  /** Content-addressed: cache forever. */
  immutable: boolean;
}

/** The UI's static assets. */
export interface Assets {
  /** URL of the stylesheet (with a content hash in the query). */
  styleUrl: string;
  /** URL of the islands bundle, undefined when `deno task bundle` has not run. */
  scriptUrl: string | undefined;
  /** Files by URL path. */
  files: Map<string, StaticFile>;
}

async function digest(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(hash.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Loads ui/static/style.css and the bundle named by ui/static/build/manifest.json. */
export async function loadAssets(
  staticDir = fromFileUrl(new URL("../static/", import.meta.url)),
): Promise<Assets> {
  const files = new Map<string, StaticFile>();
  const css = await Deno.readFile(`${staticDir}style.css`);
  const cssHash = await digest(css);
  files.set("/static/style.css", {
    body: css,
    type: "text/css; charset=utf-8",
    etag: `"${cssHash}"`,
    immutable: false,
  });
  let scriptUrl: string | undefined;
  try {
    const manifest = JSON.parse(await Deno.readTextFile(`${staticDir}build/manifest.json`)) as {
      client: string;
    };
    const js = await Deno.readFile(`${staticDir}build/${manifest.client}`);
    scriptUrl = `/static/build/${manifest.client}`;
    files.set(scriptUrl, {
      body: js,
      type: "text/javascript; charset=utf-8",
      etag: `"${await digest(js)}"`,
      immutable: true,
    });
  } catch {
    scriptUrl = undefined;
  }
  return { styleUrl: `/static/style.css?v=${cssHash}`, scriptUrl, files };
}

/** Answers a static file request: 200 with cache headers, 304 on a matching If-None-Match, 404 otherwise. */
export function serveStatic(assets: Assets, req: Request, pathname: string): Response {
  const file = assets.files.get(pathname);
  if (!file) return new Response("Not found", { status: 404 });
  const headers = new Headers({
    "content-type": file.type,
    etag: file.etag,
    // The stylesheet URL carries its hash in ?v=, the bundle in its name: both may be cached for good.
    "cache-control": "public, max-age=31536000, immutable",
  });
  if (req.headers.get("if-none-match") === file.etag) return new Response(null, { status: 304, headers });
  headers.set("content-length", String(file.body.length));
  return new Response(file.body as BodyInit, { headers });
}
