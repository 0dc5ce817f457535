/**
 * Without etcd quorum the controllers refuse what needs a write (enrollment, admin writes) with a
 * clear error instead of hanging or half-doing it, and /readyz says not ready; reads keep
 * answering from the surviving member. When the members return, all works again.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { waitFor } from "../support/wait_for.ts";
import { within } from "../support/within.ts";
import { startHa } from "./_ha.ts";

const NO_QUORUM = "etcd has no quorum or is unreachable";

etcdTest(
  "without etcd quorum enrollment and admin writes are refused and /readyz is not ready; all recovers",
  async () => {
    await using ha = await startHa(2);
    const c0 = ha.controllers[0]!;
    const ready = async (url: string) => {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
      return { status: res.status, body: await res.text() };
    };
    const token = await ha.token(0, "tunneler");

    await ha.etcd.kill(1);
    await ha.etcd.kill(2);

    const refused = await within(
      c0.admin("POST", "/api/admin/tokens", { role: "tunneler" }),
      15_000,
      "a token without quorum",
    );
    assert.deepEqual(refused.status, 503, JSON.stringify(refused.body));
    assert.match(JSON.stringify(refused.body), new RegExp(RegExp.escape(NO_QUORUM)));

    const enrollment = await within(
      ha.enroll(1, { token, id: "t1", role: "tunneler" }).then(() => null, (e: unknown) => e),
      20_000,
      "an enrollment without quorum",
    );
    assert.ok(enrollment instanceof Error, "the enrollment succeeded without quorum");
    assert.match(enrollment.message, new RegExp(RegExp.escape(NO_QUORUM)));

    for (const c of ha.controllers) {
      await waitFor(`controller ${c.adminUrl} to say not ready`, async () => {
        const r = await ready(c.adminUrl);
        return r.status === 503 ? r : undefined;
      }, 15_000);
    }
    const readiness = await ready(c0.adminUrl);
    assert.match(readiness.body, new RegExp(RegExp.escape(NO_QUORUM)));

    const list = await within(c0.admin("GET", "/api/admin/tunnelers"), 15_000, "a read without quorum");
    assert.deepEqual(list.status, 200);

    await ha.etcd.restart(1);
    await ha.etcd.restart(2);
    for (const c of ha.controllers) {
      await waitFor(`controller ${c.adminUrl} to be ready again`, async () => {
        const r = await ready(c.adminUrl);
        return r.status === 200 ? true : undefined;
      }, 20_000);
    }
    const enrolled = await ha.enroll(1, { token, id: "t1", role: "tunneler" });
    assert.deepEqual(enrolled.svid.spiffeId.uri, "spiffe://postern.internal/tunneler/t1");
    assert.deepEqual((await c0.admin("POST", "/api/admin/tokens", { role: "tunneler" })).status, 201);
  },
);
