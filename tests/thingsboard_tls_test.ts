/**
 * The ThingsBoard client over TLS: a CA file, a wrong CA, and an X.509 client
 * certificate. The ThingsBoard test server speaks plain MQTT, so a
 * TLS-terminating proxy (node:tls) sits in front of it; the proxy can require
 * a client certificate signed by the test CA.
 */
import assert from "node:assert/strict";
import type { ThingsBoardServer } from "../src/sim/thingsboard/mod.ts";
import { ThingsBoardClient } from "../src/thingsboard/client.ts";
import { type ThingsBoardConnackError, ThingsBoardError } from "../src/thingsboard/errors.ts";
import { DEVICE, startServer, TOKEN } from "./support/thingsboard.ts";
import { findOpenssl, makeTestPki, startTlsProxy, type TestPki } from "./support/tls.ts";

const ignore = findOpenssl() === undefined;

async function withTls(
  requireClientCert: boolean,
  body: (pki: TestPki, port: number, server: ThingsBoardServer, names: string[]) => Promise<void>,
): Promise<void> {
  const pki = await makeTestPki();
  const server = await startServer();
  const proxy = await startTlsProxy(pki, server.port, requireClientCert);
  try {
    await body(pki, proxy.port, server, proxy.clientNames);
  } finally {
    await proxy.close();
    await server.stop();
    await Deno.remove(pki.dir, { recursive: true });
  }
}

Deno.test({
  name: "TLS with a CA file and an access token: telemetry and RPC",
  ignore,
  fn: () =>
    withTls(false, async (pki, port, server) => {
      const client = new ThingsBoardClient({
        host: "127.0.0.1",
        port,
        accessToken: TOKEN,
        tls: { caFile: pki.caCert },
        reconnectDelayMs: [20, 100],
      });
      try {
        await client.connect({ timeoutMs: 5000 });
        await client.sendTelemetry({ secure: true });
        assert.equal(server.telemetry(DEVICE).at(-1)?.values.secure, true);
        server.onClientRpc("ping", () => "pong");
        assert.equal(await client.sendRpcCall("ping"), "pong");
      } finally {
        await client.disconnect();
      }
    }),
});

Deno.test({
  name: "TLS with the wrong CA: the server certificate is refused, retried, never trusted",
  ignore,
  fn: () =>
    withTls(false, async (pki, port, server) => {
      let connects = 0;
      server.on("connect", () => connects++);
      const client = new ThingsBoardClient({
        host: "127.0.0.1",
        port,
        accessToken: TOKEN,
        tls: { caFile: pki.otherCaCert },
        reconnectDelayMs: [20, 100],
      });
      try {
        await assert.rejects(client.connect({ timeoutMs: 400 }), (e: ThingsBoardError) => {
          assert.equal(e.code, "timeout");
          assert.match(e.message, /last error: Cannot connect .*certificate/i);
          return true;
        });
        assert.equal(connects, 0);
      } finally {
        await client.disconnect();
      }
    }),
});

Deno.test({
  name: "X.509 client certificate: presented to a server that requires it",
  ignore,
  fn: () =>
    withTls(true, async (pki, port, server, names) => {
      // With a token as well, the ThingsBoard test server (no X.509 store) can accept it.
      const client = new ThingsBoardClient({
        host: "127.0.0.1",
        port,
        accessToken: TOKEN,
        tls: { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey },
      });
      try {
        await client.connect({ timeoutMs: 5000 });
        await client.sendTelemetry({ x509: 1 });
        assert.equal(server.telemetry(DEVICE).at(-1)?.values.x509, 1);
        assert.deepEqual(names, ["edge-x509"]);
      } finally {
        await client.disconnect();
      }
      // Without the certificate the handshake fails: a connection error, retried.
      const bare = new ThingsBoardClient({
        host: "127.0.0.1",
        port,
        accessToken: TOKEN,
        tls: { caFile: pki.caCert },
        reconnectDelayMs: [20, 100],
      });
      try {
        await assert.rejects(bare.connect({ timeoutMs: 400 }), { code: "timeout" });
      } finally {
        await bare.disconnect();
      }
    }),
});

Deno.test({
  name: "X.509 certificate as the only credential: a refusal names the certificate",
  ignore,
  fn: () =>
    withTls(true, async (pki, port) => {
      const client = new ThingsBoardClient({
        host: "127.0.0.1",
        port,
        tls: { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey },
      });
      try {
        // The test server has no X.509 device store, so it refuses like ThingsBoard does
        // for an unregistered certificate.
        await assert.rejects(client.connect({ timeoutMs: 5000 }), (e: ThingsBoardConnackError) => {
          assert.equal(e.code, "auth");
          assert.equal(e.credential, "X.509 certificate");
          assert.match(e.message, /X\.509 client certificate/);
          return true;
        });
      } finally {
        await client.disconnect();
      }
    }),
});

Deno.test("a missing TLS file stops the client with a clear error", async () => {
  const server = await startServer();
  const client = new ThingsBoardClient({
    host: "127.0.0.1",
    port: server.port,
    accessToken: TOKEN,
    tls: { caFile: "does/not/exist.pem" },
  });
  try {
    await assert.rejects(client.connect({ timeoutMs: 5000 }), (e: ThingsBoardError) => {
      assert.ok(e instanceof ThingsBoardError);
      assert.match(e.message, /Cannot read the CA certificate file "does\/not\/exist\.pem"/);
      return true;
    });
    assert.equal(client.state, "stopped");
  } finally {
    await client.disconnect();
    await server.stop();
  }
});
