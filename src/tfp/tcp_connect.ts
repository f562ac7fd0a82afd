/**
 * TCP connect with a deadline and Nagle off, as the reference bindings do
 * (5 s connect timeout, TCP_NODELAY).
 *
 * @module
 */
import { TfpError } from "./errors.ts";

/** Connects to host:port; rejects with a "timeout" TfpError after `timeoutMs`. */
export async function connectTcp(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Deno.TcpConn> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connecting = Deno.connect({ hostname: host, port });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // A connect that completes after the deadline must not leak its socket.
      connecting.then((c) => c.close(), () => {});
      reject(new TfpError("timeout", `Connecting to ${host}:${port} timed out`));
    }, timeoutMs);
  });
  try {
    const conn = await Promise.race([connecting, timeout]);
    conn.setNoDelay(true);
    return conn;
  } finally {
    clearTimeout(timer);
  }
}
