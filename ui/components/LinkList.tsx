/** A comma-separated list of names, each linking to its page, or a muted "none". */
import { Fragment } from "preact";

/** Props of {@link LinkList}. */
export interface LinkListProps {
  names: string[];
  /** The page of one name. */
  href: (name: string) => string;
}

/** "a, b, c" with each name a link; `none` (muted) for an empty list. */
export function LinkList(props: LinkListProps) {
  if (props.names.length === 0) return <span class="muted">none</span>;
  return (
    <>
      {props.names.map((n, i) => (
        <Fragment key={n}>
          {i > 0 && ", "}
          <a href={props.href(n)}>{n}</a>
        </Fragment>
      ))}
    </>
  );
}
