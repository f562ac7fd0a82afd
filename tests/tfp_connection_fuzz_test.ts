/**
 * The connection's receive path under hostile input: a raw TCP server sends
 * 100,000 random packets (valid headers with random fields, wrong lengths,
 * unmatched responses, malformed enumerates) mixed with random garbage, in
 * random TCP chunkings. No exception may escape, the connection must stay up,
 * and a marker callback sent last must still arrive intact.
 */
import assert from "node:assert/strict";
import { TfpConnection } from "../src/tfp/connection.ts";
import { buildPacket } from "../src/tfp/header.ts";
import { seededRandom } from "./support/element_values.ts";

const PACKETS = 100_000;
const MARKER_UID = 0x7fff_fff1;
const MARKER_FID = 99;

function hostileStream(seed: number): Uint8Array {
  const rand = seededRandom(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let i = 0; i < PACKETS; i++) {
    let part: Uint8Array;
    const kind = int(10);
    if (kind < 6) {
      // Well-formed framing, random content: responses nobody asked for, callbacks, enumerates.
      const payload = new Uint8Array(int(65));
      for (let j = 0; j < payload.length; j++) payload[j] = int(256);
      const fid = kind === 0 ? 253 : int(256);
      part = buildPacket(int(2 ** 32), fid, int(16), rand() < 0.9, payload, int(4));
    } else if (kind < 9) {
      // Pure garbage.
      part = new Uint8Array(1 + int(40));
      for (let j = 0; j < part.length; j++) part[j] = int(256);
    } else {
      // A header that lies about its length.
      part = new Uint8Array(8 + int(20));
      for (let j = 0; j < part.length; j++) part[j] = int(256);
      part[4] = int(256);
    }
    parts.push(part);
    size += part.length;
  }
  // Garbage may leave the framer mid-"packet"; pad so the marker starts on its own.
  const resync = new Uint8Array(200);
  const marker = buildPacket(MARKER_UID, MARKER_FID, 0, true, new Uint8Array([1, 2, 3, 4]));
  const all = new Uint8Array(size + resync.length + marker.length * 20);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  offset += resync.length;
  // Repeat the marker so it arrives even if the framer consumed a few of them as part of garbage.
  for (let i = 0; i < 20; i++, offset += marker.length) all.set(marker, offset);
  return all;
}

Deno.test("TfpConnection survives 100,000 hostile packets and garbage without an escaping exception", async () => {
  const seed = 0xc0ffee;
  const data = hostileStream(seed);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const server = (async () => {
    const conn = await listener.accept();
    const rand = seededRandom(seed + 1);
    let offset = 0;
    while (offset < data.length) {
      const n = 1 + Math.floor(rand() * 3000);
      const end = Math.min(data.length, offset + n);
      let written = offset;
      while (written < end) written += await conn.write(data.subarray(written, end));
      offset = end;
    }
    return conn;
  })();

  const connection = new TfpConnection({ host: "127.0.0.1", port: listener.addr.port });
  const unhandled: unknown[] = [];
  const onUnhandled = (event: PromiseRejectionEvent) => {
    unhandled.push(event.reason);
    event.preventDefault();
  };
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  let callbacks = 0;
  let enumerates = 0;
  const markerSeen = Promise.withResolvers<Uint8Array>();
  connection.on("callback", (uid, fid, payload) => {
    callbacks++;
    if (uid === MARKER_UID && fid === MARKER_FID) markerSeen.resolve(payload);
  });
  connection.on("enumerate", () => enumerates++);
  const disconnected = Promise.withResolvers<void>();
  connection.on("disconnected", () => disconnected.resolve());
  let serverConn: Deno.Conn | undefined;
  try {
    await connection.connect();
    const deadline = setTimeout(
      () => markerSeen.reject(new Error("marker not seen in 30 s")),
      30_000,
    );
    const payload = await markerSeen.promise.finally(() => clearTimeout(deadline));
    assert.deepEqual([...payload], [1, 2, 3, 4]);
    assert.equal(connection.state, "connected");
    // About 1 in 16 well-formed packets has sequence 0 (a callback): ~3,700 expected.
    assert.ok(callbacks > 1_000, `only ${callbacks} callbacks got through`);
    assert.ok(enumerates > 0, "no enumerate got through");
    assert.ok(connection.stats.droppedBytes > 0, "garbage was not counted");
    assert.ok(connection.stats.unmatchedResponses > 0);
    assert.deepEqual(unhandled, []);
  } finally {
    globalThis.removeEventListener("unhandledrejection", onUnhandled);
    await connection.close();
    serverConn = await server;
    serverConn.close();
    listener.close();
  }
});
