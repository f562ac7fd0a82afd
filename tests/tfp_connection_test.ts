/**
 * TfpConnection against a scripted TFP peer over loopback: pipelining and
 * sequence numbers, deadlines, every error code, response length checks,
 * disconnect reasons, reconnect, and a clean close.
 */
import assert from "node:assert/strict";
import { TfpConnection } from "../src/tfp/connection.ts";
import { TfpDeviceError, TfpError } from "../src/tfp/errors.ts";
import { buildPacket } from "../src/tfp/header.ts";
import { startScriptedServer, waitFor } from "./support/scripted_tfp_server.ts";
import { nextEvent, within } from "./support/deadline.ts";

const getter = { responseExpected: true } as const;

Deno.test("request() pipelines 1,000 concurrent requests and matches every response", async () => {
  // Answers each request with its own uid, function id and sequence number, so a
  // mismatched response would show up as wrong content.
  const server = startScriptedServer((p) => ({
    payload: new Uint8Array([p.header.uid & 0xff, p.header.functionId, p.header.sequence]),
  }));
  const connection = new TfpConnection({ host: "127.0.0.1", port: server.port });
  try {
    await connection.connect();
    const calls = Array.from({ length: 1000 }, (_, i) => {
      const uid = 1000 + (i % 7);
      const fid = 1 + (i % 3);
      return connection.request(uid, fid, new Uint8Array(0), getter).then((payload) => ({
        uid,
        fid,
        payload: payload!,
      }));
    });
    const results = await Promise.all(calls);
    for (const { uid, fid, payload } of results) {
      assert.equal(payload[0], uid & 0xff);
      assert.equal(payload[1], fid);
      assert.ok(payload[2] >= 1 && payload[2] <= 15, "sequence numbers are 1..15");
    }
    assert.equal(server.received.length, 1000);
    assert.equal(connection.inFlight, 0);
  } finally {
    await connection.close();
    await server.close();
  }
});

Deno.test("request() never has more than 15 requests in flight for one uid and function", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const server = startScriptedServer(() => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return "silence";
  });
  const connection = new TfpConnection({ host: "127.0.0.1", port: server.port, timeoutMs: 3000 });
  try {
    await connection.connect();
    const calls = Array.from(
      { length: 40 },
      () => connection.request(5, 9, new Uint8Array(0), getter),
    );
    await waitFor(() => server.received.length === 15, 3000, "15 requests on the wire");
    // Answer them one by one; each answer must release exactly one queued request.
    for (let answered = 0; answered < 40; answered++) {
      await waitFor(() => server.received.length > answered, 3000, `request ${answered + 1}`);
      const { header } = server.received[answered];
      inFlight--;
      await server.broadcast(buildPacket(header.uid, header.functionId, header.sequence, true));
    }
    await Promise.all(calls);
    assert.equal(maxInFlight, 15);
  } finally {
    await connection.close();
    await server.close();
  }
});

Deno.test("request() times out with the reference message when nothing answers", async () => {
  const server = startScriptedServer(() => "silence");
  const connection = new TfpConnection({ host: "127.0.0.1", port: server.port, timeoutMs: 150 });
  try {
    await connection.connect();
    const started = Date.now();
    await assert.rejects(
      connection.request(33688, 1, new Uint8Array(0), getter),
      (error: TfpError) => {
        assert.equal(error.code, "timeout");
        assert.equal(error.message, "Did not receive response for function 1 in time");
        return true;
      },
    );
    assert.ok(Date.now() - started >= 140, "deadline honoured");
    await assert.rejects(
      connection.request(33688, 2, new Uint8Array(0), { responseExpected: true, timeoutMs: 50 }),
      (error: TfpError) => error.code === "timeout",
    );
  } finally {
    await connection.close();
    await server.close();
  }
});

Deno.test("request() turns every error code into its typed error", async () => {
  const server = startScriptedServer((p) => ({ errorCode: p.header.functionId }));
  const connection = new TfpConnection({ host: "127.0.0.1", port: server.port });
  try {
    await connection.connect();
    const expected = [
      [1, "invalid_parameter", "Got invalid parameter for function 1"],
      [2, "function_not_supported", "Function 2 is not supported"],
      [3, "unknown_error", "Function 3 returned an unknown error"],
    ] as const;
    for (const [fid, code, message] of expected) {
      await assert.rejects(
        connection.request(77, fid, new Uint8Array(0), getter),
        (error: TfpDeviceError) => {
          assert.ok(error instanceof TfpDeviceError);
          assert.equal(error.code, code);
          assert.equal(error.errorCode, fid);
          assert.equal(error.message, message);
          return true;
        },
      );
    }
  } finally {
    await connection.close();
    await server.close();
  }
});

Deno.test("request() rejects a successful response of the wrong length", async () => {
  const server = startScriptedServer(() => ({ payload: new Uint8Array(3) }));
  const connection = new TfpConnection({ host: "127.0.0.1", port: server.port });
  try {
    await connection.connect();
    await assert.rejects(
      connection.request(77, 4, new Uint8Array(0), { responseExpected: true, expectedLength: 2 }),
      (error: TfpError) => error.code === "wrong_response_length",
    );
  } finally {
    await connection.close();
    await server.close();
  }
});

Deno.test("request() without response expected resolves once sent and fails when not connected", async () => {
  const server = startScriptedServer(() => "silence");
  const connection = new TfpConnection({ host: "127.0.0.1", port: server.port });
  await assert.rejects(
    connection.request(77, 1, new Uint8Array(0), { responseExpected: false }),
    (error: TfpError) => error.code === "not_connected" && error.message === "Not connected",
  );
  try {
    await connection.connect();
    assert.equal(
      await connection.request(77, 1, new Uint8Array([1]), { responseExpected: false }),
      undefined,
    );
    await waitFor(() => server.received.length === 1, 2000, "the setter on the wire");
    const { header, payload } = server.received[0];
    assert.equal(header.responseExpected, false);
    assert.ok(header.sequence >= 1 && header.sequence <= 15);
    assert.deepEqual([...payload], [1]);
  } finally {
    await connection.close();
    await server.close();
  }
});

Deno.test("a peer close reports 'shutdown', fails requests in flight at once, and auto-reconnects", async () => {
  const server = startScriptedServer((p) => p.header.functionId === 99 ? "close" : "silence");
  const connection = new TfpConnection({
    host: "127.0.0.1",
    port: server.port,
    timeoutMs: 10_000,
    reconnectDelayMs: [20, 100],
  });
  try {
    await connection.connect();
    const inFlight = assert.rejects(
      connection.request(1, 5, new Uint8Array(0), getter),
      (error: TfpError) => error.code === "not_connected",
    );
    const disconnected = nextEvent(connection, "disconnected");
    const reconnected = nextEvent(connection, "connected");
    void connection.request(1, 99, new Uint8Array(0), { responseExpected: false });
    const [reason] = await disconnected;
    assert.equal(reason, "shutdown");
    await inFlight;
    assert.equal(connection.state, "pending");
    const [connectReason] = await reconnected;
    assert.equal(connectReason, "auto-reconnect");
    assert.equal(connection.state, "connected");
    assert.equal(server.accepted, 2);
    assert.equal(connection.stats.reconnects, 1);
  } finally {
    await connection.close();
    await server.close();
  }
});

Deno.test("connect({ retry }) waits for a late brickd and reports 'auto-reconnect'", async () => {
  // Find a free port, then leave it closed until the connection has failed once.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const connection = new TfpConnection({ host: "127.0.0.1", port, reconnectDelayMs: [20, 50] });
  const failed = nextEvent(connection, "connectFailed");
  const connected = nextEvent(connection, "connected");
  const connecting = connection.connect({ retry: true });
  let listener: Deno.TcpListener | undefined;
  try {
    await failed;
    assert.equal(connection.state, "pending");
    listener = Deno.listen({ hostname: "127.0.0.1", port });
    const accepted = listener.accept();
    await connecting;
    assert.deepEqual(await connected, ["auto-reconnect"]);
    (await accepted).close();
  } finally {
    await connection.close();
    listener?.close();
  }
});

Deno.test("connect() without retry rejects when nothing listens", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const connection = new TfpConnection({ host: "127.0.0.1", port });
  await assert.rejects(connection.connect());
  assert.equal(connection.state, "disconnected");
  await connection.close();
});

Deno.test("close() reports 'request', fails pending requests and stops reconnecting", async () => {
  const server = startScriptedServer(() => "silence");
  const connection = new TfpConnection({ host: "127.0.0.1", port: server.port, timeoutMs: 10_000 });
  try {
    await connection.connect();
    const pending = assert.rejects(
      connection.request(1, 1, new Uint8Array(0), getter),
      (error: TfpError) => error.code === "not_connected",
    );
    const disconnected = nextEvent(connection, "disconnected");
    await connection.close();
    assert.deepEqual(await disconnected, ["request"]);
    await pending;
    assert.equal(connection.state, "disconnected");
    assert.equal(server.accepted, 1);
  } finally {
    await server.close();
  }
});

Deno.test("callbacks and enumerate events reach listeners; a throwing listener harms nobody", async () => {
  const server = startScriptedServer(() => "silence");
  const connection = new TfpConnection({ host: "127.0.0.1", port: server.port });
  const originalError = console.error;
  console.error = () => {};
  try {
    await connection.connect();
    await waitFor(() => server.accepted === 1, 2000, "the connection");
    connection.on("callback", () => {
      throw new Error("listener bug");
    });
    const callback = nextEvent(connection, "callback");
    const enumerate = nextEvent(connection, "enumerate");
    const enumeratePayload = new Uint8Array(26);
    enumeratePayload.set(new TextEncoder().encode("b1Q"), 0);
    enumeratePayload.set(new TextEncoder().encode("6Ka2Yq"), 8);
    enumeratePayload[16] = "a".charCodeAt(0);
    enumeratePayload.set([1, 0, 0, 2, 0, 3], 17);
    new DataView(enumeratePayload.buffer).setUint16(23, 282, true);
    enumeratePayload[25] = 1;
    await server.broadcast(buildPacket(33688, 4, 0, true, new Uint8Array([1])));
    await server.broadcast(buildPacket(33688, 253, 0, true, enumeratePayload));
    const [uid, fid, payload] = await callback;
    assert.deepEqual([uid, fid, [...payload]], [33688, 4, [1]]);
    const [event] = await enumerate;
    assert.deepEqual(event, {
      uid: "b1Q",
      connectedUid: "6Ka2Yq",
      position: "a",
      hardwareVersion: [1, 0, 0],
      firmwareVersion: [2, 0, 3],
      deviceIdentifier: 282,
      enumerationType: "connected",
      enumerationTypeCode: 1,
    });
  } finally {
    console.error = originalError;
    await connection.close();
    await server.close();
  }
});

Deno.test("an idle connection sends disconnect probes", async () => {
  const server = startScriptedServer(() => "silence");
  const connection = new TfpConnection({
    host: "127.0.0.1",
    port: server.port,
    disconnectProbeMs: 30,
  });
  try {
    await connection.connect();
    await waitFor(
      () => server.received.some((p) => p.header.uid === 0 && p.header.functionId === 128),
      2000,
      "a disconnect probe",
    );
    const probe = server.received.find((p) => p.header.functionId === 128)!;
    assert.equal(probe.header.responseExpected, false);
    assert.equal(probe.payload.length, 0);
  } finally {
    await connection.close();
    await server.close();
  }
});

Deno.test("close() inside a connectFailed listener ends connect({ retry }) at once", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const connection = new TfpConnection({ host: "127.0.0.1", port, reconnectDelayMs: [20, 50] });
  connection.once("connectFailed", () => void connection.close());
  await assert.rejects(
    within(connection.connect({ retry: true }), 2000, "connect() to settle"),
    (error: TfpError) => error.code === "not_connected",
  );
  assert.equal(connection.state, "disconnected");
});
