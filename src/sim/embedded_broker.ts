/**
 * An MQTT broker inside the current process (aedes on a `node:net` server), for
 * tests, benchmarks and the demo when no mosquitto is installed.
 *
 * Persistence is aedes' in-memory default: a restarted broker starts empty, as
 * a mosquitto with `persistence false` does.
 *
 * @module
 */

import { Aedes } from "aedes";
import { createServer, type Server, type Socket } from "node:net";

/** Decides whether a CONNECT may proceed. The password arrives decoded as UTF-8. */
export type BrokerAuthenticate = (
  username: string | undefined,
  password: string | undefined,
) => boolean;

/** Options for {@linkcode startEmbeddedBroker}. */
export interface EmbeddedBrokerOptions {
  /** Address to listen on (default `127.0.0.1`) */
  host?: string;
  /** TCP port (default 0: the system picks a free one) */
  port?: number;
  /** Credential check (default: everyone may connect) */
  authenticate?: BrokerAuthenticate;
}

/** A running embedded broker. */
export interface EmbeddedBroker {
  /** `mqtt://host:port`, ready for an MQTT client */
  readonly url: string;
  readonly host: string;
  /** The port actually bound (the system's choice when 0 was asked for) */
  readonly port: number;
  /** Closes every client connection and the listener; safe to call twice */
  close(): Promise<void>;
}

/** CONNACK return code 4 (MQTT 3.1.1 §3.2.2.3), reason 0x86 in MQTT 5. */
const BAD_USERNAME_OR_PASSWORD = 4;

/** Starts an aedes broker listening on `host:port`. */
export async function startEmbeddedBroker(
  options: EmbeddedBrokerOptions = {},
): Promise<EmbeddedBroker> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  if (typeof host !== "string" || host === "") {
    throw new TypeError(`Cannot start broker: host must be a non-empty string, got "${host}"`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Cannot start broker: port must be an integer 0..65535, got "${port}"`);
  }
  const check = options.authenticate;
  if (check !== undefined && typeof check !== "function") {
    throw new TypeError("Cannot start broker: authenticate must be a function");
  }

  const aedes = await Aedes.createBroker(
    check === undefined ? {} : {
      authenticate: (_client, username, password, done) => {
        let allowed = false;
        try {
          allowed = check(username, password?.toString("utf8")) === true;
        } catch {
          // A throwing hook denies; the credentials stay out of any message.
        }
        if (allowed) return done(null, true);
        const error = Object.assign(new Error("bad user name or password"), {
          returnCode: BAD_USERNAME_OR_PASSWORD,
        });
        done(error, false);
      },
    },
  );

  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    // Small MQTT packets must not wait for Nagle's algorithm (peers-and-anchors §2.3).
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    aedes.handle(socket);
  });

  try {
    await listen(server, host, port);
  } catch (error) {
    await closeAedes(aedes);
    throw new Error(`Cannot start broker on "${host}:${port}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  // After listen, an accept error (e.g. out of file descriptors) must not crash the process.
  server.on("error", () => {});

  const bound = (server.address() as { port: number }).port;
  let closing: Promise<void> | undefined;

  return {
    url: `mqtt://${host.includes(":") ? `[${host}]` : host}:${bound}`,
    host,
    port: bound,
    close() {
      closing ??= closeAll(aedes, server, sockets);
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function closeAedes(aedes: Aedes): Promise<void> {
  return new Promise((resolve) => aedes.close(() => resolve()));
}

async function closeAll(aedes: Aedes, server: Server, sockets: Set<Socket>): Promise<void> {
  const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  // aedes closes the clients it registered; sockets that never sent CONNECT are ours to end.
  await closeAedes(aedes);
  const socketsClosed = [...sockets].map((socket) =>
    new Promise<void>((resolve) => {
      if (socket.closed) return resolve();
      socket.once("close", () => resolve());
      socket.destroy();
    })
  );
  await Promise.all(socketsClosed);
  await serverClosed;
}
