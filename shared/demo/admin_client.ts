/** A minimal client of the controller's admin API, as an operator script would write it. */
export class AdminClient {
  constructor(readonly baseUrl: string, readonly token: string) {}

  /** Sends one request; a non-2xx answer throws with the controller's `error` message. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Creates a one-time enrollment token for `role` (bound to agent `id` when given); the answer is
   * the only place it appears.
   */
  async createToken(role: "connector" | "tunneler", note: string, id?: string): Promise<string> {
    const created = await this.request<{ token: string }>("POST", "/api/admin/tokens", {
      role,
      note,
      ...(id === undefined ? {} : { id }),
    });
    return created.token;
  }

  /** The status of one agent ("ONLINE"/"OFFLINE"), or undefined while the controller does not know it. */
  async status(kind: "connectors" | "tunnelers", id: string): Promise<string | undefined> {
    const response = await fetch(`${this.baseUrl}/api/admin/${kind}/${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw new Error(`GET ${kind}/${id}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { status?: string }).status;
  }
}
