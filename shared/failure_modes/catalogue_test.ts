import assert from "node:assert/strict";
import { allFailureModes, docAnchor, FAILURE_MODE_IDS, failureMode, isFailureModeId } from "./catalogue.ts";

const DOC = new URL("../../docs/failure-modes.md", import.meta.url);

interface Section {
  anchor: string;
  id: string;
  title: string;
  body: string;
}

function sections(text: string): Section[] {
  const heads = [...text.matchAll(/^### <a id="([^"]+)"><\/a>(\S+) (.+)$/gm)];
  return heads.map((m, i) => ({
    anchor: m[1]!,
    id: m[2]!,
    title: m[3]!,
    // Continuation lines (as `deno fmt` wraps them) joined to their item; numbered steps stay lines.
    body: text.slice(m.index! + m[0].length, heads[i + 1]?.index ?? text.length).replace(
      /\n {2,}(?!\d+\. )/g,
      " ",
    ),
  }));
}

Deno.test("docs/failure-modes.md has one section per catalogue id, in order, with the same title, severity and reason", async () => {
  const found = sections(await Deno.readTextFile(DOC));
  assert.deepEqual(found.map((s) => s.id), [...FAILURE_MODE_IDS]);
  for (const s of found) {
    assert.ok(isFailureModeId(s.id), s.id);
    const m = failureMode(s.id);
    assert.equal(s.anchor, docAnchor(m.id), `${m.id}: anchor`);
    assert.equal(s.title, m.title, `${m.id}: title`);
    const severity = s.body.match(/^- \*\*Severity\*\*: (\w+) — (.+)$/m);
    assert.deepEqual([severity?.[1], severity?.[2]], [m.severity, m.severityReason], `${m.id}: severity`);
    const symptom = s.body.match(/^- \*\*Symptom\*\*: (.+)$/m)?.[1] ?? "";
    assert.ok(symptom.includes(m.symptom), `${m.id}: the symptom line names "${m.symptom}": ${symptom}`);
    for (const field of ["Cause", "Effect", "Detected by", "Remedy"]) {
      assert.match(s.body, new RegExp(`^- \\*\\*${field}\\*\\*:`, "m"), `${m.id}: ${field}`);
    }
    assert.match(s.body, /^ {2}1\. /m, `${m.id}: the remedy is given step by step`);
    const link = `[tests/failure_modes/${m.test}](../tests/failure_modes/${m.test})`;
    assert.ok(s.body.includes(`- **Test**: ${link}`), `${m.id}: links ${m.test}`);
  }
});

Deno.test("every catalogue entry names its test file after its id and has a one-line remedy and reason", () => {
  for (const m of allFailureModes()) {
    assert.ok(m.test.startsWith(`${m.id.replace(".", "_")}_`) && m.test.endsWith("_test.ts"), m.test);
    for (const line of [m.remedy, m.severityReason, m.symptom, m.title]) {
      assert.ok(line.length > 0 && !line.includes("\n") && !line.endsWith("."), `${m.id}: ${line}`);
    }
  }
});

Deno.test("isFailureModeId() accepts exactly the catalogue's ids", () => {
  assert.ok(isFailureModeId("1.3"));
  for (const bad of ["1.6", "1-3", "", "1.3 ", 1.3, undefined]) assert.ok(!isFailureModeId(bad), String(bad));
});
