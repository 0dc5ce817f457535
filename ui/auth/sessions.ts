/** Operator sessions: random ids held in memory, each with its own CSRF token and an absolute expiry. */

/** One logged-in operator session. */
export interface Session {
  id: string;
  /** CSRF token bound to this session; every form and every write through the proxy carries it. */
  csrf: string;
  expiresAt: number;
}

/** Random URL-safe text of `bytes` random bytes. */
export function randomToken(bytes = 32): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** In-memory session store; sessions end on logout, on expiry, or when the UI restarts. */
export class SessionStore {
  #sessions = new Map<string, Session>();
  #ttlMs: number;
  #now: () => number;

  /** `ttlMs`: lifetime of a session from login; `now`: clock (tests inject one). */
  constructor(ttlMs: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** Starts a session. */
  create(): Session {
    this.#sweep();
    const session = { id: randomToken(), csrf: randomToken(), expiresAt: this.#now() + this.#ttlMs };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, or undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /** Ends a session. */
  delete(id: string): void {
    this.#sessions.delete(id);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(id);
  }
}
