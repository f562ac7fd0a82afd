import assert from "node:assert/strict";
import {
  CREDENTIALS_FILE,
  credentialsToOptions,
  loadCredentials,
  storeCredentials,
} from "./credentials_store.ts";

async function withDir(body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("store then load: same credentials, mode 0600, directory 0700, no temp file left", async () => {
  await withDir(async (root) => {
    const dir = `${root}/nested/state`;
    assert.equal(await loadCredentials(dir), undefined);
    await storeCredentials(dir, { type: "MQTT_BASIC", clientId: "c", password: "p" });
    assert.deepEqual(await loadCredentials(dir), {
      type: "MQTT_BASIC",
      clientId: "c",
      password: "p",
    });
    assert.equal((await Deno.stat(`${dir}/${CREDENTIALS_FILE}`)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(dir)).mode! & 0o077, 0);
    // Overwriting replaces the file atomically.
    await storeCredentials(dir, { type: "ACCESS_TOKEN", accessToken: "t2" });
    assert.deepEqual(await loadCredentials(dir), { type: "ACCESS_TOKEN", accessToken: "t2" });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [CREDENTIALS_FILE]);
  });
});

Deno.test("damaged or foreign files are clear errors", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/${CREDENTIALS_FILE}`;
    await Deno.writeTextFile(path, "{");
    await assert.rejects(loadCredentials(dir), SyntaxError);
    await Deno.writeTextFile(path, `{"credentials":{"type":"ACCESS_TOKEN"}}`);
    await assert.rejects(loadCredentials(dir), /unknown shape/);
    await Deno.writeTextFile(path, `{"credentials":{"type":"MQTT_BASIC","password":"p"}}`);
    await assert.rejects(loadCredentials(dir), /unknown shape/);
  });
});

Deno.test("credentialsToOptions", () => {
  assert.deepEqual(credentialsToOptions({ type: "ACCESS_TOKEN", accessToken: "t" }), {
    accessToken: "t",
  });
  assert.deepEqual(credentialsToOptions({ type: "MQTT_BASIC", username: "u" }), {
    clientId: undefined,
    username: "u",
    password: undefined,
  });
  assert.deepEqual(credentialsToOptions({ type: "X509_CERTIFICATE", value: "v" }), {});
});
