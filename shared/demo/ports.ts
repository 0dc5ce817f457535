/** A TCP port on 127.0.0.1 that was free a moment ago; `preferred` first when it is free. */
export function pickPort(preferred?: number): number {
  for (const port of preferred ? [preferred, 0] : [0]) {
    try {
      const listener = Deno.listen({ hostname: "127.0.0.1", port });
      const picked = (listener.addr as Deno.NetAddr).port;
      listener.close();
      return picked;
    } catch {
      // taken: fall through to any free port
    }
  }
  throw new Error("no free TCP port on 127.0.0.1");
}
