/**
 * `--broker-certificate` and `--broker-tls-insecure`: the bridge connects over
 * TLS trusting the given CA; "insecure" skips only the hostname check (like
 * paho's `tls_insecure_set(True)`), never the chain. A TLS-terminating proxy
 * sits in front of the plain test broker.
 */
import assert from "node:assert/strict";
import { MqttBridge } from "../src/bridge/bridge.ts";
import { defaultBridgeOptions } from "../src/bridge/start.ts";
import { startTestBroker, type TestBroker } from "./support/broker.ts";
import { CapturedLog } from "./support/bridge_fixture.ts";
import { MqttWatcher } from "./support/mqtt_watcher.ts";
import { findOpenssl, makeTestPki, startTlsProxy, type TestPki } from "./support/tls.ts";

const ignore = findOpenssl() === undefined;

async function withTls(
  body: (pki: TestPki, port: number, broker: TestBroker) => Promise<void>,
): Promise<void> {
  const pki = await makeTestPki();
  const broker = await startTestBroker();
  const proxy = await startTlsProxy(pki, broker.port);
  try {
    await body(pki, proxy.port, broker);
  } finally {
    await proxy.close();
    await broker.stop();
    await Deno.remove(pki.dir, { recursive: true });
  }
}

function bridgeFor(host: string, port: number, ca: string, insecure: boolean, log: CapturedLog) {
  return new MqttBridge({
    ...defaultBridgeOptions(),
    brokerHost: host,
    brokerPort: port,
    brokerCertificate: ca,
    brokerTlsInsecure: insecure,
    ipconHost: "127.0.0.1",
    ipconPort: 1, // no brickd: the broker connection is what is tested
    brokerRetryMs: [20, 50],
    ipconRetryMs: [1000, 1000],
  }, { logger: log.logger() });
}

Deno.test({
  name: "TLS with the CA: the bridge connects and publishes its restart message",
  ignore,
  fn: () =>
    withTls(async (pki, port, broker) => {
      const watcher = await MqttWatcher.connect(broker.url);
      const bridge = bridgeFor("127.0.0.1", port, pki.caCert, false, new CapturedLog());
      try {
        void bridge.start();
        assert.equal(await watcher.payloadOf("tinkerforge/callback/bindings/restart"), "null");
      } finally {
        await bridge.stop();
        await watcher.close();
      }
    }),
});

Deno.test({
  name: "TLS: a hostname mismatch fails unless --broker-tls-insecure; a wrong CA always fails",
  ignore,
  fn: () =>
    withTls(async (pki, port, broker) => {
      const watcher = await MqttWatcher.connect(broker.url);
      // The server certificate names 127.0.0.1 only, so "localhost" does not match it.
      const secureLog = new CapturedLog();
      const secure = bridgeFor("localhost", port, pki.caCert, false, secureLog);
      const wrongCaLog = new CapturedLog();
      const wrongCa = bridgeFor("localhost", port, pki.otherCaCert, true, wrongCaLog);
      const insecure = bridgeFor("localhost", port, pki.caCert, true, new CapturedLog());
      try {
        void secure.start();
        void wrongCa.start();
        assert.match(
          await secureLog.waitFor("TLS"),
          /<ERROR> .*TLS connection to MQTT broker failed: .+\. Will retry\.$/,
        );
        assert.match(
          await wrongCaLog.waitFor("TLS"),
          /<ERROR> .*TLS connection to MQTT broker failed: .+\. Will retry\.$/,
        );
        void insecure.start();
        assert.equal(await watcher.payloadOf("tinkerforge/callback/bindings/restart"), "null");
        assert.equal(secure.brokerConnected, false);
        assert.equal(wrongCa.brokerConnected, false);
        assert.deepEqual(watcher.all("tinkerforge/callback/bindings/restart").length, 1);
      } finally {
        await secure.stop();
        await wrongCa.stop();
        await insecure.stop();
        await watcher.close();
      }
    }),
});

Deno.test("an unreadable --broker-certificate exits with 30", async () => {
  const log = new CapturedLog();
  const bridge = bridgeFor("127.0.0.1", 1, "./no/such/ca.pem", false, log);
  await assert.rejects(
    () => bridge.start(),
    (e: Error & { exitCode?: number }) => e.exitCode === 30,
  );
  assert.match(
    log.lines.join("\n"),
    /<CRITICAL> MQTT bindings: Connecting to MQTT broker failed: \[Errno 2\] No such file or directory: '\.\/no\/such\/ca\.pem'$/,
  );
  await bridge.stop();
});
