/**
 * A scripted TFP peer for connection tests: each test decides, per request,
 * what goes back on the wire (a response, an error code, nothing, or raw bytes).
 * Unlike the simulated brickd it models no devices; it lets a test provoke
 * exactly one protocol situation.
 *
 * @module
 */
import { buildPacket, type Packet } from "../../src/tfp/header.ts";
import { PacketFramer } from "../../src/tfp/framing.ts";

/** What to send back for one request. */
export type ScriptedReply =
  | { payload: Uint8Array; errorCode?: number }
  | { errorCode: number }
  | { raw: Uint8Array }
  | "silence"
  | "close";

/** A running scripted server. */
export interface ScriptedServer {
  readonly port: number;
  /** Requests received so far, in order */
  readonly received: Packet[];
  /** Connections accepted so far */
  readonly accepted: number;
  /** Sends raw bytes to every open connection */
  broadcast(bytes: Uint8Array): Promise<void>;
  /** Closes every open connection (the listener stays) */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 port 0 that answers requests with `reply(packet)`. */
export function startScriptedServer(reply: (request: Packet) => ScriptedReply): ScriptedServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const received: Packet[] = [];
  const loops: Promise<void>[] = [];
  let accepted = 0;

  async function serve(conn: Deno.Conn): Promise<void> {
    const framer = new PacketFramer();
    const buffer = new Uint8Array(16 * 1024);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        const out: Uint8Array[] = [];
        let close = false;
        for (const packet of framer.push(buffer.subarray(0, n))) {
          received.push(packet);
          const answer = reply(packet);
          if (answer === "silence") continue;
          if (answer === "close") {
            close = true;
            break;
          }
          if ("raw" in answer) {
            out.push(answer.raw);
            continue;
          }
          const { uid, functionId, sequence } = packet.header;
          const payload = "payload" in answer ? answer.payload : new Uint8Array(0);
          out.push(buildPacket(uid, functionId, sequence, true, payload, answer.errorCode ?? 0));
        }
        for (const bytes of out) await writeAll(conn, bytes);
        if (close) break;
      }
    } catch {
      // The client went away or the test dropped the connection.
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }

  const acceptLoop = (async () => {
    try {
      for await (const conn of listener) {
        accepted++;
        conns.add(conn);
        loops.push(serve(conn));
      }
    } catch {
      // listener closed
    }
  })();

  return {
    port: (listener.addr as Deno.NetAddr).port,
    received,
    get accepted() {
      return accepted;
    },
    async broadcast(bytes) {
      for (const conn of conns) await writeAll(conn, bytes);
    },
    dropConnections() {
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    },
    async close() {
      listener.close();
      this.dropConnections();
      await acceptLoop;
      await Promise.all(loops);
    },
  };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Resolves when `predicate` holds, polling each macrotask; rejects after `ms`. */
export async function waitFor(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
