import { pickPort } from "../../shared/demo/ports.ts";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the demo's pickPort(), the one port picker).
 * Another process may take it before the program binds it: where a program can bind port 0 and
 * report the port (the in-process controller does), prefer that.
 */
export function freePort(): number {
  return pickPort();
}
