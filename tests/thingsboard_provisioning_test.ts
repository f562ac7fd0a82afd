/**
 * First-boot provisioning end to end: provision, store atomically (0600),
 * connect; later runs reuse the stored credentials; NOT_FOUND, FAILURE and an
 * unreachable server give clear errors on a bounded retry schedule.
 */
import assert from "node:assert/strict";
import {
  createProvisionedClient,
  CREDENTIALS_FILE,
  loadOrProvisionCredentials,
} from "../src/thingsboard/credentials_store.ts";
import { ThingsBoardProvisionError } from "../src/thingsboard/errors.ts";
import { DEVICE, startServer } from "./support/thingsboard.ts";

const KEY = "prov-key";
const SECRET = "prov-SECRET-value";

async function withStateDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tfedge-tb-" });
  try {
    await body(`${dir}/state`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("first boot: provision, store with mode 0600, connect; the next run reuses the file", async () => {
  const server = await startServer({ provisioning: { key: KEY, secret: SECRET } });
  let provisionSessions = 0;
  server.on("connect", (e) => e.provisioning && provisionSessions++);
  try {
    await withStateDir(async (stateDir) => {
      const first = await createProvisionedClient({
        host: "127.0.0.1",
        port: server.port,
        stateDir,
        provisionKey: KEY,
        provisionSecret: SECRET,
        request: { deviceName: "fresh-device" },
      });
      assert.equal(first.provisioned, true);
      const path = `${stateDir}/${CREDENTIALS_FILE}`;
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      const stored = JSON.parse(await Deno.readTextFile(path));
      assert.equal(stored.credentials.type, "ACCESS_TOKEN");
      assert.deepEqual([...Deno.readDirSync(stateDir)].map((e) => e.name), [CREDENTIALS_FILE]);
      try {
        await first.client.connect({ timeoutMs: 5000 });
        await first.client.sendTelemetry({ boot: 1 });
      } finally {
        await first.client.disconnect();
      }
      assert.equal(server.telemetry("fresh-device").at(-1)?.values.boot, 1);

      const second = await createProvisionedClient({
        host: "127.0.0.1",
        port: server.port,
        stateDir,
        provisionKey: KEY,
        provisionSecret: SECRET,
        request: { deviceName: "fresh-device" },
      });
      assert.equal(second.provisioned, false);
      try {
        await second.client.connect({ timeoutMs: 5000 });
        await second.client.sendTelemetry({ boot: 2 });
      } finally {
        await second.client.disconnect();
      }
      assert.equal(server.telemetry("fresh-device").at(-1)?.values.boot, 2);
      assert.equal(provisionSessions, 1);
    });
  } finally {
    await server.stop();
  }
});

Deno.test("first boot with MQTT basic credentials", async () => {
  const server = await startServer({ provisioning: { key: KEY, secret: SECRET } });
  try {
    await withStateDir(async (stateDir) => {
      const { client, provisioned } = await createProvisionedClient({
        host: "127.0.0.1",
        port: server.port,
        stateDir,
        provisionKey: KEY,
        provisionSecret: SECRET,
        request: {
          deviceName: "basic-device",
          clientId: "b-cid",
          username: "b-user",
          password: "b-pw",
        },
      });
      assert.equal(provisioned, true);
      try {
        await client.connect({ timeoutMs: 5000 });
        await client.sendAttributes({ provisioned: "basic" });
      } finally {
        await client.disconnect();
      }
      assert.equal(server.clientAttributes("basic-device").provisioned, "basic");
    });
  } finally {
    await server.stop();
  }
});

Deno.test("NOT_FOUND: a clear error at once, no retry, nothing stored, no secret in the text", async () => {
  const server = await startServer({ provisioning: { key: KEY, secret: SECRET } });
  let provisionSessions = 0;
  server.on("connect", (e) => e.provisioning && provisionSessions++);
  try {
    await withStateDir(async (stateDir) => {
      await assert.rejects(
        loadOrProvisionCredentials({
          stateDir,
          host: "127.0.0.1",
          port: server.port,
          provisionKey: KEY,
          provisionSecret: "wrong-SECRET",
          retry: { attempts: 5, firstDelayMs: 10 },
        }),
        (e: ThingsBoardProvisionError) => {
          assert.equal(e.status, "NOT_FOUND");
          assert.match(e.message, /provision key and secret.*Provision data was not found!/);
          assert.ok(!e.message.includes("wrong-SECRET"));
          return true;
        },
      );
      assert.equal(provisionSessions, 1);
      await assert.rejects(Deno.stat(stateDir), Deno.errors.NotFound);
    });
  } finally {
    await server.stop();
  }
});

Deno.test("FAILURE: the device name exists already", async () => {
  const server = await startServer({ provisioning: { key: KEY, secret: SECRET } });
  try {
    await withStateDir(async (stateDir) => {
      await assert.rejects(
        loadOrProvisionCredentials({
          stateDir,
          host: "127.0.0.1",
          port: server.port,
          provisionKey: KEY,
          provisionSecret: SECRET,
          request: { deviceName: DEVICE },
        }),
        (e: ThingsBoardProvisionError) => {
          assert.equal(e.status, "FAILURE");
          assert.match(e.message, new RegExp(`"${DEVICE}".*Failed to provision device!`));
          return true;
        },
      );
    });
  } finally {
    await server.stop();
  }
});

Deno.test("unreachable server: bounded retries with growing delays, then UNREACHABLE", async () => {
  const server = await startServer();
  const port = server.port;
  await server.stop();
  const retries: { attempt: number; delayMs: number }[] = [];
  await withStateDir(async (stateDir) => {
    await assert.rejects(
      loadOrProvisionCredentials({
        stateDir,
        host: "127.0.0.1",
        port,
        provisionKey: KEY,
        provisionSecret: SECRET,
        retry: { attempts: 3, firstDelayMs: 20, maxDelayMs: 100 },
        onRetry: ({ attempt, delayMs }) => retries.push({ attempt, delayMs }),
      }),
      (e: ThingsBoardProvisionError) => {
        assert.equal(e.status, "UNREACHABLE");
        assert.match(e.message, /Cannot provision at 127\.0\.0\.1:\d+: .*gave up after 3 attempts/);
        return true;
      },
    );
  });
  assert.deepEqual(retries.map((r) => r.attempt), [1, 2]);
  assert.ok(retries[1].delayMs > retries[0].delayMs * 1.1, JSON.stringify(retries));
});

Deno.test("no answer from the server: UNREACHABLE after the provisioning timeout", async () => {
  const server = await startServer({ provisioning: { key: KEY, secret: SECRET } });
  server.faults.withholdConnack = true;
  try {
    await withStateDir(async (stateDir) => {
      await assert.rejects(
        loadOrProvisionCredentials({
          stateDir,
          host: "127.0.0.1",
          port: server.port,
          provisionKey: KEY,
          provisionSecret: SECRET,
          timeoutMs: 150,
          retry: { attempts: 1 },
        }),
        { status: "UNREACHABLE", message: /no answer within 150 ms/ },
      );
    });
  } finally {
    await server.stop();
  }
});

Deno.test("a damaged credentials file is a clear error, not a second provisioning", async () => {
  await withStateDir(async (stateDir) => {
    await Deno.mkdir(stateDir, { recursive: true });
    await Deno.writeTextFile(`${stateDir}/${CREDENTIALS_FILE}`, "{ half");
    await assert.rejects(
      loadOrProvisionCredentials({
        stateDir,
        host: "127.0.0.1",
        port: 1,
        provisionKey: KEY,
        provisionSecret: SECRET,
      }),
      { name: "SyntaxError", message: /not valid JSON; remove the file to provision again/ },
    );
  });
});
