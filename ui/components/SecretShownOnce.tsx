/**
 * A secret the admin API returns once (an enrollment token, an API key): the warning that it is
 * shown once, then the facts list whose first row is the secret with its copy button.
 * @module
 */
import type { ComponentChildren } from "preact";
import { Island } from "./Island.tsx";

/** Props of {@link SecretShownOnce}. */
export interface SecretShownOnceProps {
  /** What the secret is, lower case ("token", "key"): the warning, the row's label and the button say it. */
  noun: string;
  /** The id of the `<code>` holding the secret (the copy button and tests find it by it). */
  id: string;
  value: string | undefined;
  /** The facts after the secret (`<dt>`/`<dd>` pairs). */
  children?: ComponentChildren;
}

/** The shown-once warning and the facts list, the secret first. */
export function SecretShownOnce(props: SecretShownOnceProps) {
  const label = `${props.noun[0]?.toUpperCase() ?? ""}${props.noun.slice(1)}`;
  return (
    <>
      <p class="banner warn" role="status">
        This {props.noun} is shown once. Copy it now: it cannot be displayed again.
      </p>
      <dl class="facts">
        <dt>{label}</dt>
        <dd class="secret">
          <code id={props.id}>{props.value}</code>{" "}
          <Island name="CopyButton" props={{ target: props.id, label: `Copy ${props.noun}` }} />
        </dd>
        {props.children}
      </dl>
    </>
  );
}
