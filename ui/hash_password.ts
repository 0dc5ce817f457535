/**
 * Prints a `UI_ADMIN_PASSWORD_HASH` value for a password read from stdin (or the first argument):
 *
 *   deno run ui/hash_password.ts            # type the password, then Enter
 *   echo -n 's3cret' | deno run ui/hash_password.ts
 */
import { hashPassword } from "./auth/password.ts";

async function readPassword(): Promise<string> {
  if (Deno.args[0]) return Deno.args[0];
  if (Deno.stdin.isTerminal()) {
    const typed = prompt("Password:");
    return typed ?? "";
  }
  const text = await new Response(Deno.stdin.readable).text();
  return text.replace(/\r?\n$/, "");
}

if (import.meta.main) {
  const password = await readPassword();
  if (!password) {
    console.error("hash_password: empty password: type one, pipe one on stdin or pass it as the argument");
    Deno.exit(2);
  }
  console.log(await hashPassword(password));
}
