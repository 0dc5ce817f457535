/**
 * `/docs/failure-modes`: every failure mode of the catalogue with its severity, symptom and remedy,
 * one section per id (`#1-3`), so that the id beside an event or agent links somewhere offline.
 * The full text with step-by-step remedies is docs/failure-modes.md in the repository.
 */
import { allFailureModes, docAnchor, FAILURE_MODES_DOC } from "../../../shared/failure_modes/catalogue.ts";
import type { RouteModule } from "../../context.ts";

export const handler: RouteModule["handler"] = {
  GET(ctx) {
    return ctx.page(
      "Failure modes",
      <>
        <h1>Failure modes</h1>
        <p>
          Programs lead each failure-mode message with its id (<code>
            [1.3] failed to read controller CA: ...
          </code>), logs carry it as <code>failure_mode</code> and the controller counts it in{" "}
          <code>postern_failures_total</code>. The step-by-step remedies are in{" "}
          <code>{FAILURE_MODES_DOC}</code> of the repository.
        </p>
        {allFailureModes().map((m) => (
          <section key={m.id} id={docAnchor(m.id)} class="failure-mode-doc">
            <h2>
              {m.id} {m.title} <span class={`failure-mode ${m.severity}`}>{m.severity}</span>
            </h2>
            <dl>
              <dt>Symptom</dt>
              <dd>
                <code>{m.symptom}</code>
              </dd>
              <dt>Severity</dt>
              <dd>{m.severity}: {m.severityReason}</dd>
              <dt>Remedy</dt>
              <dd>{m.remedy}</dd>
              <dt>Details</dt>
              <dd>
                <code>{FAILURE_MODES_DOC}#{docAnchor(m.id)}</code>
              </dd>
            </dl>
          </section>
        ))}
      </>,
    );
  },
};
