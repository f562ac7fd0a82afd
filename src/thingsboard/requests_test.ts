import assert from "node:assert/strict";
import { ThingsBoardError } from "./errors.ts";
import { type PendingRequest, RequestTable } from "./requests.ts";

/** A sender that records requests; each publish is acknowledged or failed on demand. */
function recordingSender() {
  const sent: { request: PendingRequest; ack: () => void; fail: (e: Error) => void }[] = [];
  const send = (request: PendingRequest) =>
    new Promise<void>((ack, fail) => sent.push({ request, ack, fail }));
  return { sent, send };
}

Deno.test("a response resolves its request, parsed losslessly; others are not matched", async () => {
  const { sent, send } = recordingSender();
  const table = new RequestTable(send);
  const a = table.request("attributes", `{"sharedKeys":"x"}`, 5000, "an attribute request");
  const b = table.request("rpc", `{"method":"m"}`, 5000, `RPC "m"`);
  assert.deepEqual(sent.map((s) => [s.request.kind, s.request.id]), [["attributes", 1], [
    "rpc",
    2,
  ]]);
  assert.equal(table.respond("rpc", 1, "{}"), false); // id 1 belongs to the attribute request
  assert.equal(table.respond("rpc", 2, `{"n":18446744073709551615}`), true);
  assert.deepEqual(await b, { n: 18446744073709551615n });
  assert.equal(table.respond("attributes", 1, "[1]"), true);
  assert.deepEqual(await a, [1]);
  assert.equal(table.size, 0);
});

Deno.test("deadline: timeout error names the request", async () => {
  const table = new RequestTable(recordingSender().send);
  await assert.rejects(table.request("rpc", "{}", 20, `RPC "slow"`), (e: ThingsBoardError) => {
    assert.equal(e.code, "timeout");
    assert.equal(e.message, `No response to RPC "slow" within 20 ms`);
    return true;
  });
  assert.equal(table.size, 0);
});

Deno.test("connection lost: sent attribute requests go again, sent RPCs fail, queued ones wait", async () => {
  const { sent, send } = recordingSender();
  const table = new RequestTable(send);
  const attr = table.request("attributes", "{}", 5000, "an attribute request");
  const rpc = table.request("rpc", "{}", 5000, `RPC "reboot"`);
  const queuedRpc = table.request("rpc", "{}", 5000, `RPC "later"`);
  sent[0].ack();
  sent[1].ack();
  await Promise.resolve();
  await Promise.resolve();
  table.connectionLost();
  await assert.rejects(rpc, (e: ThingsBoardError) => {
    assert.equal(e.code, "connection_lost");
    assert.match(e.message, /RPC "reboot"; not repeated/);
    return true;
  });
  assert.equal(sent.length, 4); // the attribute request was dispatched again
  assert.equal(sent[3].request.id, sent[0].request.id);
  table.respond("attributes", sent[0].request.id, `{"shared":{}}`);
  assert.deepEqual(await attr, { shared: {} });
  table.respond("rpc", sent[2].request.id, `"ok"`);
  assert.equal(await queuedRpc, "ok");
});

Deno.test("a failed publish fails the request; closeAll ends everything", async () => {
  const { sent, send } = recordingSender();
  const table = new RequestTable(send);
  const one = table.request("rpc", "{}", 5000, "x");
  sent[0].fail(new ThingsBoardError("queue_full", "full"));
  await assert.rejects(one, { code: "queue_full" });
  const two = table.request("attributes", "{}", 5000, "y");
  table.closeAll(new ThingsBoardError("closed", "bye"));
  await assert.rejects(two, { code: "closed" });
  assert.equal(table.size, 0);
});

Deno.test("invalid JSON in a response rejects the request", async () => {
  const { sent, send } = recordingSender();
  const table = new RequestTable(send);
  const p = table.request("rpc", "{}", 5000, `RPC "m"`);
  table.respond("rpc", sent[0].request.id, "{nope");
  await assert.rejects(p, { code: "rejected", message: /Invalid JSON in the response to RPC "m"/ });
});
