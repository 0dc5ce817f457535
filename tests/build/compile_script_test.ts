import assert from "node:assert/strict";
import { REPO_ROOT } from "../support/process.ts";

// deno compile needs denort from the internet; offline builds point DENORT_BIN at one. A wrong
// path must stop the build at once (exit 2) with a message naming the variable and the fix.
Deno.test("deno task compile refuses a DENORT_BIN that is not an executable file", async () => {
  const out = await new Deno.Command("bash", {
    args: [`${REPO_ROOT}shared/build/compile.sh`],
    env: { DENORT_BIN: "/nonexistent/denort", DENO: Deno.execPath() },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.match(
    stderr,
    /^DENORT_BIN=\/nonexistent\/denort is not an executable file: unset it to download denort, or point it at denort 2\.\d+\.\d+/,
  );
});

// Offline, with no DENORT_BIN and nothing cached, the build must stop before it builds anything,
// saying what is missing, what failed and what to do. The download goes to a proxy on a closed
// loopback port (Deno honours HTTPS_PROXY), so the test never leaves the machine.
Deno.test("deno task compile without DENORT_BIN, a cached denort or a download exits 3 naming the file to fetch and DENORT_BIN", async () => {
  const denoDir = await Deno.makeTempDir({ prefix: "postern-compile-" });
  try {
    const proxy = "http://127.0.0.1:1";
    const out = await new Deno.Command("bash", {
      args: [`${REPO_ROOT}shared/build/compile.sh`],
      env: {
        DENO: Deno.execPath(),
        DENO_DIR: denoDir,
        HTTPS_PROXY: proxy,
        https_proxy: proxy,
        NO_PROXY: "",
        no_proxy: "",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 3, stderr);
    const version = Deno.version.deno;
    const zip = `denort-${Deno.build.arch === "aarch64" ? "aarch64" : "x86_64"}-unknown-linux-gnu.zip`;
    const lines = stderr.trimEnd().split("\n");
    assert.equal(lines.length, 3, stderr);
    assert.equal(
      lines[0],
      `denort ${version} is not in Deno's cache (${denoDir}/dl/release/v${version}/${zip}): downloading https://dl.deno.land/release/v${version}/${zip}`,
    );
    assert.match(
      lines[1]!,
      new RegExp(
        `^denort ${version} is missing: DENORT_BIN is not set, it is not in Deno's cache \\(${denoDir}/dl/release/v${version}/${zip}\\), and the download failed: error sending request for url \\(https://dl\\.deno\\.land/`,
      ),
    );
    assert.equal(
      lines[2],
      `fix: on a machine with internet access fetch https://dl.deno.land/release/v${version}/${zip}, unzip it here, and run: DENORT_BIN=$PWD/denort deno task compile`,
    );
    // Nothing was built, nothing was left behind.
    assert.equal(new TextDecoder().decode(out.stdout), "");
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});

// The binaries must carry the same permission sets as `deno task <program>` (deno.json), never more.
Deno.test("deno task compile bakes each program's own permission set into its binary, and no other grant", async () => {
  const script = await Deno.readTextFile(`${REPO_ROOT}shared/build/compile.sh`);
  // The program builds (the denort probe compiles an empty file into a temporary directory).
  const compiles = script.split("\n").filter((line) =>
    /\bcompile\b/.test(line) && line.includes("$deno_bin") && line.includes("dist/")
  );
  assert.equal(compiles.length, 1, script);
  assert.match(compiles[0]!, /"\$deno_bin" compile -P="\$program" /);
  assert.doesNotMatch(script, /\s(-A|--allow-[a-z]+|--allow-all)\b/);
  assert.match(script, /^for program in controller connector tunneler ui; do$/m);
});
