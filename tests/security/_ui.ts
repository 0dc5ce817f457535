/**
 * postern-ui as a real process for the UI's attack scenarios, and requests to it from a chosen
 * loopback source address (127.0.0.0/8 is all local, so 127.0.0.2 can play a reverse proxy).
 */
import { freePort } from "../support/ports.ts";
import { type RunningProgram, startProgram } from "../support/process.ts";

/** A running postern-ui. */
export interface RunningUi {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The operator password it accepts. */
  password: string;
  ui: RunningProgram;
  /** Sends a request to the UI from `from` (default 127.0.0.1), never following redirects. */
  request(path: string, init?: RequestInit, from?: string): Promise<Response>;
  /** POST /login with `fields` as a form. */
  login(
    fields: Record<string, string>,
    options?: { from?: string; headers?: HeadersInit },
  ): Promise<Response>;
  /** Stops the UI and closes the clients. */
  stop(): Promise<void>;
}

/**
 * Starts postern-ui on a free loopback port. Without `env.ADMIN_API_URL` it points at a port
 * nothing listens on: login needs no controller.
 */
export async function startUi(env: Record<string, string> = {}): Promise<RunningUi> {
  const port = freePort();
  const password = `pw-${crypto.randomUUID()}`;
  const ui = startProgram("ui", {
    env: {
      ADMIN_API_URL: "http://127.0.0.1:9",
      ADMIN_AUTH_TOKEN: "token-for-a-controller-that-is-not-there",
      UI_ADDR: `127.0.0.1:${port}`,
      UI_ADMIN_PASSWORD: password,
      ...env,
    },
  });
  try {
    await ui.waitForLine("listening on");
  } catch (error) {
    await ui.stop();
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  const clients = new Map<string, Deno.HttpClient>();
  const clientFor = (from: string) => {
    let client = clients.get(from);
    if (!client) clients.set(from, client = Deno.createHttpClient({ localAddress: from }));
    return client;
  };
  const request = (path: string, init: RequestInit = {}, from = "127.0.0.1") =>
    fetch(url + path, { ...init, redirect: "manual", client: clientFor(from) });
  return {
    url,
    password,
    ui,
    request,
    login: (fields, options = {}) =>
      request(
        "/login",
        {
          method: "POST",
          body: new URLSearchParams(fields),
          ...(options.headers ? { headers: options.headers } : {}),
        },
        options.from,
      ),
    async stop() {
      await ui.stop();
      for (const client of clients.values()) client.close();
    },
  };
}

/** Counts the lines of `program` that contain `text`. */
export function countLines(program: RunningProgram, text: string): number {
  return program.lines.filter((line) => line.includes(text)).length;
}
