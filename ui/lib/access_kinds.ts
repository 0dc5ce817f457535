/**
 * The three editable parts of the access model (resources, groups, policies) as the UI's editors
 * see them: which fields each has, where a list field's choices come from, and how a posted form
 * becomes the admin API's body. One description drives the list, detail and delete pages.
 * @module
 */

/** The admin API's collection names. */
export type AccessKind = "resources" | "groups" | "policies";

/** What a list field may pick from: agents enrolled, or other access records. */
export type ChoiceSource = "connectors" | "tunnelers" | "groups" | "resources";

/** A text input of the record. */
export interface TextField {
  name: "address" | "note";
  label: string;
  placeholder: string;
  required: boolean;
}

/** A list of names, picked with checkboxes plus a free-text "others" input. */
export interface ListField {
  name: ChoiceSource;
  label: string;
  /** Shown under the legend. */
  help: string;
  placeholder: string;
  required: boolean;
}

/** One kind of access record. */
export interface AccessKindSpec {
  kind: AccessKind;
  /** "resource", "group", "policy" (the admin API's messages use it too). */
  singular: string;
  /** Page heading. */
  title: string;
  intro: string;
  text: TextField[];
  lists: ListField[];
}

/** An access record as the admin API answers it. */
export interface AccessRecord {
  name: string;
  address?: string;
  note?: string;
  connectors?: string[];
  tunnelers?: string[];
  groups?: string[];
  resources?: string[];
}

/** Every kind, in navigation order. */
export const ACCESS_KINDS: Record<AccessKind, AccessKindSpec> = {
  resources: {
    kind: "resources",
    singular: "resource",
    title: "Resources",
    intro:
      "A resource is a named destination (host:port, cidr:port or *.domain:port) and the connectors that serve it. Policies grant resources to groups and tunnelers.",
    text: [
      { name: "address", label: "Address", placeholder: "e.g. db.internal:5432", required: true },
      { name: "note", label: "Note (optional)", placeholder: "what it is, who owns it", required: false },
    ],
    lists: [{
      name: "connectors",
      label: "Served by connectors",
      help: "The connectors that forward to this address.",
      placeholder: "e.g. office-2",
      required: true,
    }],
  },
  groups: {
    kind: "groups",
    singular: "group",
    title: "Groups",
    intro: "A group is a set of tunnelers that policies grant resources to together.",
    text: [],
    lists: [{
      name: "tunnelers",
      label: "Members",
      help: "Tunneler ids, enrolled or not yet.",
      placeholder: "e.g. laptop-7",
      required: true,
    }],
  },
  policies: {
    kind: "policies",
    singular: "policy",
    title: "Policies",
    intro:
      "A policy grants resources to groups and tunnelers. Nothing is reachable without one (deny by default); names that do not exist yet grant nothing until they do.",
    text: [],
    lists: [
      {
        name: "groups",
        label: "Groups",
        help: "Every member of these groups is granted.",
        placeholder: "e.g. staff",
        required: false,
      },
      {
        name: "tunnelers",
        label: "Tunnelers",
        help: "Tunnelers granted directly.",
        placeholder: "e.g. laptop-7",
        required: false,
      },
      {
        name: "resources",
        label: "Resources",
        help: "What they may reach.",
        placeholder: "e.g. db",
        required: true,
      },
    ],
  },
};

/** Whether `text` is one of the kinds (a route parameter, say). */
export function isAccessKind(text: string): text is AccessKind {
  return text === "resources" || text === "groups" || text === "policies";
}

/** The names a list field holds in a posted form: the ticked boxes and the comma-separated others. */
export function namesFromForm(form: FormData | undefined, field: string): string[] {
  const ticked = (form?.getAll(field) ?? []).filter((v): v is string => typeof v === "string");
  const others = String(form?.get(`${field}_other`) ?? "").split(/[\s,]+/).filter(Boolean);
  return [...new Set([...ticked, ...others].map((s) => s.trim()).filter(Boolean))];
}

/**
 * The admin API body for `spec` from a posted form. Empty optional text fields are left out, so
 * the controller's validation names what is missing.
 */
export function bodyFromForm(spec: AccessKindSpec, form: FormData | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of spec.text) {
    const value = String(form?.get(f.name) ?? "").trim();
    if (value !== "" || f.required) body[f.name] = value;
  }
  for (const f of spec.lists) body[f.name] = namesFromForm(form, f.name);
  return body;
}

/** The record a failed form stands for (to show the operator's input again). */
export function recordFromForm(spec: AccessKindSpec, name: string, form: FormData | undefined): AccessRecord {
  return { name, ...bodyFromForm(spec, form) } as AccessRecord;
}
