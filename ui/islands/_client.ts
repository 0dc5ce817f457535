/// <reference lib="dom" />
/** Browser entry: hydrates every `[data-island]` element with its props from the JSON script after it. */
import { h, hydrate } from "preact";
import type { FunctionComponent } from "preact";
import { ISLANDS } from "./_registry.ts";

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const component = (ISLANDS as Record<string, unknown>)[el.dataset.island ?? ""] as
    | FunctionComponent<Record<string, unknown>>
    | undefined;
  const script = el.nextElementSibling;
  if (!component || !script || script.getAttribute("type") !== "application/json") continue;
  hydrate(h(component, JSON.parse(script.textContent ?? "{}")), el);
}
