/** Renders an island on the server and leaves its props, as JSON, for the browser bundle to hydrate. */
import type { ComponentProps } from "preact";
import { type IslandName, ISLANDS } from "../islands/_registry.ts";

/** JSON that is safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
}

/** `<div data-island=name>` with the server rendering inside and `<script type=application/json>` props after it. */
export function Island<N extends IslandName>(props: { name: N; props: ComponentProps<(typeof ISLANDS)[N]> }) {
  // deno-lint-ignore no-explicit-any
  const Component = ISLANDS[props.name] as any;
  return (
    <>
      <div data-island={props.name}>
        <Component {...props.props} />
      </div>
      <script type="application/json" dangerouslySetInnerHTML={{ __html: scriptJson(props.props) }} />
    </>
  );
}
