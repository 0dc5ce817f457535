/**
 * Builds the browser bundle: `deno bundle --minify` of ui/islands/_client.ts into
 * ui/static/build/islands-<sha256 prefix>.js and a manifest.json naming it, so the server can
 * serve it as immutable. Run with `deno task bundle`.
 */
const fromFileUrl = (url: URL) => decodeURIComponent(url.pathname);

const UI = fromFileUrl(new URL("./", import.meta.url));
const OUT = `${UI}static/build/`;

/** Bundles the islands; returns the file name written. */
export async function buildIslands(): Promise<string> {
  await Deno.remove(OUT, { recursive: true }).catch(() => {});
  await Deno.mkdir(OUT, { recursive: true });
  const tmp = `${OUT}islands.js`;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--minify",
      "--output",
      tmp,
      `${UI}islands/_client.ts`,
    ],
    cwd: `${UI}..`,
    stdout: "inherit",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno bundle failed: ${new TextDecoder().decode(stderr)}`);
  const bytes = await Deno.readFile(tmp);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hash = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  const name = `islands-${hash}.js`;
  await Deno.rename(tmp, `${OUT}${name}`);
  await Deno.writeTextFile(
    `${OUT}manifest.json`,
    JSON.stringify({ client: name, bytes: bytes.length }) + "\n",
  );
  return name;
}

if (import.meta.main) {
  const name = await buildIslands();
  const { size } = await Deno.stat(`${OUT}${name}`);
  console.log(`ui/static/build/${name} ${size} bytes`);
}
