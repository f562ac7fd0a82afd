/**
 * A subscriber that stops reading: a raw MQTT 3.1.1 client over TCP that
 * connects, subscribes at QoS 0 and then never reads its socket again, so
 * everything the broker sends it piles up (in the kernel, then in the
 * broker). The benchmark uses it to see that a stuck consumer does not grow
 * the bridge.
 *
 * @module
 */

/** A connected, subscribed, no longer reading client. */
export interface SlowSubscriber {
  close(): void;
}

const encoder = new TextEncoder();

/** MQTT's variable byte integer ("remaining length"). */
function remainingLength(length: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return bytes;
}

function utf8Field(text: string): number[] {
  const bytes = encoder.encode(text);
  return [bytes.length >> 8, bytes.length & 0xff, ...bytes];
}

function packet(type: number, body: number[]): Uint8Array {
  return new Uint8Array([type, ...remainingLength(body.length), ...body]);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Reads until `count` bytes arrived; the first byte must be `type`. */
async function expectPacket(conn: Deno.Conn, type: number, count: number, what: string) {
  const buffer = new Uint8Array(count);
  let have = 0;
  while (have < count) {
    const n = await conn.read(buffer.subarray(have));
    if (n === null) throw new Error(`Broker closed the connection before ${what}`);
    have += n;
  }
  if (buffer[0] !== type) {
    throw new Error(`Expected ${what} (0x${type.toString(16)}), got 0x${buffer[0].toString(16)}`);
  }
  return buffer;
}

/** Connects to the broker on 127.0.0.1:`port`, subscribes to `filter`, then stops reading. */
export async function connectSlowSubscriber(port: number, filter: string): Promise<SlowSubscriber> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    // CONNECT: "MQTT" level 4, clean session, keepalive 0 (it never sends PINGREQ).
    await writeAll(
      conn,
      packet(0x10, [...utf8Field("MQTT"), 4, 0x02, 0, 0, ...utf8Field("tfedge-bench-slow")]),
    );
    const connack = await expectPacket(conn, 0x20, 4, "CONNACK");
    if (connack[3] !== 0) throw new Error(`Broker refused the connection: code ${connack[3]}`);
    // SUBSCRIBE, packet id 1, one filter at QoS 0; SUBACK comes before any message.
    await writeAll(conn, packet(0x82, [0, 1, ...utf8Field(filter), 0]));
    const suback = await expectPacket(conn, 0x90, 5, "SUBACK");
    if (suback[4] !== 0) throw new Error(`Broker refused the subscription: code ${suback[4]}`);
  } catch (error) {
    conn.close();
    throw error;
  }
  return {
    close: () => {
      try {
        conn.close();
      } catch {
        // already closed by the broker
      }
    },
  };
}
