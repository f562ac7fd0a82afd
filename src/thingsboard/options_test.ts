import assert from "node:assert/strict";
import { linkOptions, resolveOptions } from "./options.ts";

Deno.test("defaults: MQTT 3.1.1, port 1883 (8883 with TLS), keepalive 60", () => {
  const o = resolveOptions({ host: "tb.local", accessToken: "tok" });
  assert.equal(o.port, 1883);
  assert.equal(o.protocolVersion, 4);
  assert.equal(o.keepaliveSec, 60);
  assert.deepEqual(o.reconnectDelayMs, [1000, 60000]);
  assert.equal(o.maxInFlight, 100);
  assert.equal(o.maxPayloadSize, 65536);
  assert.equal(resolveOptions({ host: "h", accessToken: "t", tls: true }).port, 8883);
});

Deno.test("credential kinds: token in the username, basic, X.509", () => {
  const token = resolveOptions({ host: "h", accessToken: "tok" });
  assert.equal(token.username, "tok");
  assert.equal(token.credentials.kind, "access token");
  assert.match(token.clientId, /^tfedge-/);
  const basic = resolveOptions({ host: "h", clientId: "c", password: "p" });
  assert.deepEqual(basic.credentials, {
    kind: "MQTT basic credentials",
    clientId: "c",
    username: undefined,
    hasPassword: true,
  });
  assert.equal(basic.password, "p");
  const x509 = resolveOptions({ host: "h", tls: { certFile: "c.pem", keyFile: "k.pem" } });
  assert.equal(x509.credentials.kind, "X.509 certificate");
  assert.equal(x509.username, undefined);
});

Deno.test("bad options name the option; secrets never appear", () => {
  assert.throws(() => resolveOptions({ host: "h", accessToken: "" }), /accessToken/);
  assert.throws(() => resolveOptions({ host: "h", password: "secret-pw" }), (e: Error) => {
    assert.match(e.message, /a password needs a client id or username/);
    assert.ok(!e.message.includes("secret-pw"));
    return true;
  });
  assert.throws(
    () => resolveOptions({ host: "h", accessToken: "t", keepaliveSec: -1 }),
    /keepaliveSec/,
  );
  assert.throws(
    () => resolveOptions({ host: "h", accessToken: "t", reconnectDelayMs: [10, 5] }),
    /reconnectDelayMs/,
  );
  assert.throws(
    () => resolveOptions({ host: "h", accessToken: "t", requestTimeoutMs: 0 }),
    RangeError,
  );
  assert.throws(() => resolveOptions(null as never), TypeError);
});

Deno.test("linkOptions reads TLS files and checks cert/key pairs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ca.pem`, "CA PEM");
    const o = resolveOptions({ host: "h", accessToken: "t", tls: { caFile: `${dir}/ca.pem` } });
    const link = await linkOptions(o);
    assert.equal(link.tls?.ca, "CA PEM");
    assert.equal(link.tls?.rejectUnauthorized, true);
    const half = resolveOptions({ host: "h", accessToken: "t", tls: { cert: "C" } });
    await assert.rejects(linkOptions(half), /needs its key/);
    const missing = resolveOptions({
      host: "h",
      accessToken: "t",
      tls: { keyFile: `${dir}/no.key`, cert: "C" },
    });
    await assert.rejects(linkOptions(missing), /Cannot read the client key file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
