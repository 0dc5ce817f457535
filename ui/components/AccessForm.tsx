/**
 * The editor of one resource, group or policy: a plain HTML form (works without JavaScript),
 * every input labelled, the admin API's error shown above the fields it concerns.
 */
import { Fragment } from "preact";
import type { AccessKindSpec, AccessRecord, ChoiceSource } from "../lib/access_kinds.ts";

/** Props of {@link AccessForm}. */
export interface AccessFormProps {
  spec: AccessKindSpec;
  /** The record shown (an empty one to create). */
  record: AccessRecord;
  /** What each list field may pick from (ids of enrolled agents, names of records). */
  choices: Partial<Record<ChoiceSource, string[]>>;
  csrf: string;
  action: string;
  /** Create: the name is an input; edit: it is fixed. */
  creating: boolean;
  error?: string | undefined;
}

function NamePicker(props: {
  formId: string;
  field: AccessKindSpec["lists"][number];
  picked: string[];
  choices: string[];
}) {
  const { field, formId } = props;
  const known = new Set(props.choices);
  const all = [...props.choices, ...props.picked.filter((p) => !known.has(p))];
  const otherId = `${formId}-${field.name}-other`;
  return (
    <fieldset class="names" id={`${formId}-${field.name}`}>
      <legend>{field.label}</legend>
      <p class="muted">{field.help}</p>
      {all.length > 0 && (
        <div class="checks">
          {all.map((n) => (
            <label key={n}>
              <input type="checkbox" name={field.name} value={n} checked={props.picked.includes(n)} /> {n}
              {!known.has(n) && <span class="muted">(not known yet)</span>}
            </label>
          ))}
        </div>
      )}
      <label for={otherId}>
        {all.length > 0 ? "Others" : "Names"} (comma-separated)
      </label>
      <input id={otherId} name={`${field.name}_other`} autocomplete="off" placeholder={field.placeholder} />
    </fieldset>
  );
}

/** The form; its id is `<singular>-form` and the error's `<singular>-error`. */
export function AccessForm(props: AccessFormProps) {
  const { spec, record } = props;
  const formId = `${spec.singular}-form`;
  const errorId = `${spec.singular}-error`;
  return (
    <form
      method="post"
      action={props.action}
      class="stack access-form"
      id={formId}
      aria-describedby={props.error ? errorId : undefined}
    >
      {props.error && <p class="banner error" role="alert" id={errorId}>{props.error}</p>}
      <input type="hidden" name="_csrf" value={props.csrf} />
      {props.creating
        ? (
          <>
            <label for={`${formId}-name`}>Name</label>
            <input
              id={`${formId}-name`}
              name="name"
              required
              autocomplete="off"
              pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}"
              title="1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit"
              value={record.name}
            />
          </>
        )
        : <input type="hidden" name="name" value={record.name} />}
      {spec.text.map((f) => (
        <Fragment key={f.name}>
          <label for={`${formId}-${f.name}`}>{f.label}</label>
          <input
            id={`${formId}-${f.name}`}
            name={f.name}
            autocomplete="off"
            placeholder={f.placeholder}
            required={f.required}
            value={record[f.name] ?? ""}
          />
        </Fragment>
      ))}
      {spec.lists.map((f) => (
        <NamePicker
          key={f.name}
          formId={formId}
          field={f}
          picked={record[f.name] ?? []}
          choices={props.choices[f.name] ?? []}
        />
      ))}
      <button type="submit">{props.creating ? `Create ${spec.singular}` : `Save ${spec.singular}`}</button>
    </form>
  );
}
