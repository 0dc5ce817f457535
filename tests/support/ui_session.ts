/**
 * The UI's login as a browser does it: the session cookie a login answer sets, and the CSRF
 * token of the dashboard that the session then sees.
 * @module
 */

/** The `postern_session=<value>` pair that `res` sets, or undefined when it sets none. */
export function sessionCookie(res: Response): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith("postern_session="))?.split(";")[0];
}

/** Logs in to the UI at `uiUrl` with `password`; the session cookie and the dashboard's CSRF token. */
export async function uiLogin(uiUrl: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const login = await fetch(`${uiUrl}/login`, {
    method: "POST",
    body: new URLSearchParams({ password }),
    redirect: "manual",
  });
  await login.body?.cancel();
  const cookie = sessionCookie(login);
  if (cookie === undefined) {
    throw new Error(`login to ${uiUrl} set no session cookie (status ${login.status})`);
  }
  const page = await (await fetch(`${uiUrl}/`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (csrf === undefined) throw new Error(`the dashboard of ${uiUrl} has no CSRF token`);
  return { cookie, csrf };
}
