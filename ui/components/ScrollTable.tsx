/**
 * The one shape of the UI's data tables: a table that scrolls inside its own box on a narrow
 * screen (`.scroll`), one header row of column headers, the caller's rows as the body.
 * @module
 */
import type { ComponentChildren } from "preact";

/** A column header: its text, or the text with a class (e.g. `num` for right-aligned numbers). */
export type ColumnHeader = ComponentChildren | { label: ComponentChildren; class: string };

/** Props of {@link ScrollTable}. */
export interface ScrollTableProps {
  /** The table's id (tests and styles find it by it). */
  id: string;
  columns: ColumnHeader[];
  /** The rows (`<tr>` elements). */
  children: ComponentChildren;
}

function isClassed(c: ColumnHeader): c is { label: ComponentChildren; class: string } {
  return typeof c === "object" && c !== null && "label" in c && "class" in c;
}

/** A table with a header row, scrolling inside its box. */
export function ScrollTable(props: ScrollTableProps) {
  return (
    <div class="scroll">
      <table id={props.id}>
        <thead>
          <tr>
            {props.columns.map((c, i) =>
              isClassed(c)
                ? <th scope="col" class={c.class} key={i}>{c.label}</th>
                : <th scope="col" key={i}>{c}</th>
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
