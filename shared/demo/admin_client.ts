/**
 * The demo's view of the admin API: the shared client (shared/admin/client.ts, the one the admin
 * commands use) plus the two calls the demo makes often.
 * @module
 */
import { AdminApiError, AdminClient as SharedAdminClient } from "../admin/client.ts";

/** The admin client of the demo and the multi-host test. */
export class AdminClient extends SharedAdminClient {
  /** The bearer token, which the demo prints for the operator. */
  readonly token: string;

  constructor(baseUrl: string, token: string) {
    super({ baseUrl, token });
    this.token = token;
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
    try {
      return (await this.request<{ status?: string }>("GET", `/api/admin/${kind}/${encodeURIComponent(id)}`))
        .status;
    } catch (e) {
      if (e instanceof AdminApiError && e.status === 404) return undefined;
      throw e;
    }
  }
}
