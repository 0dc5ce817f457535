/** The failure-mode id beside an event or agent, linking to its section of the UI's failure-mode page. */
import { docAnchor, failureMode, isFailureModeId } from "../../shared/failure_modes/catalogue.ts";

/** The UI's page of the failure modes (docs/failure-modes.md in the repository, in brief). */
export const FAILURE_MODES_PATH = "/docs/failure-modes";

/** `/docs/failure-modes#1-3`, or undefined for a value that is not a catalogue id. */
export function failureModeHref(id: unknown): string | undefined {
  return isFailureModeId(id) ? `${FAILURE_MODES_PATH}#${docAnchor(id)}` : undefined;
}

/** `[1.3]` linking to its section, titled with the failure mode's title and severity; nothing for other values. */
export function FailureModeLink(props: { id: unknown }) {
  const href = failureModeHref(props.id);
  if (href === undefined || !isFailureModeId(props.id)) return null;
  const mode = failureMode(props.id);
  return (
    <a
      class={`failure-mode ${mode.severity}`}
      href={href}
      title={`${mode.title} (${mode.severity}): ${mode.remedy}`}
      data-failure-mode={mode.id}
    >
      [{mode.id}]
    </a>
  );
}
