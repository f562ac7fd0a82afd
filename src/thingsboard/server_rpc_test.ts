import assert from "node:assert/strict";
import { ThingsBoardError } from "./errors.ts";
import { ServerRpcDispatcher, type ServerRpcHost } from "./server_rpc.ts";

/** A host whose replies are acknowledged or lost on demand. */
function host() {
  const replies: { id: number; payload: string; ack: () => void; lose: () => void }[] = [];
  const warnings: string[] = [];
  const h = {
    up: true,
    replies,
    warnings,
    connected: () => h.up,
    publishReply: (id: number, payload: string) =>
      new Promise<void>((ack, fail) =>
        replies.push({
          id,
          payload,
          ack,
          lose: () => fail(new ThingsBoardError("connection_lost", "lost")),
        })
      ),
    warn: (e: Error) => warnings.push(e.message),
  };
  return h as typeof h & ServerRpcHost;
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const BODY = `{"method":"setRelay","params":{"on":true}}`;

Deno.test("the handler's value is the reply; acknowledged replies are forgotten", async () => {
  const h = host();
  const rpc = new ServerRpcDispatcher(h);
  rpc.handler = (id, { method, params }) => ({ id, method, params });
  rpc.onRequest(7, BODY);
  await flush();
  assert.deepEqual(h.replies.map((r) => [r.id, JSON.parse(r.payload)]), [
    [7, { id: 7, method: "setRelay", params: { on: true } }],
  ]);
  h.replies[0].ack();
  await flush();
  rpc.onRequest(7, BODY); // acknowledged before: a new request
  await flush();
  assert.equal(h.replies.length, 2);
  assert.equal(rpc.stats.requests, 2);
});

Deno.test("a duplicate while the handler runs is ignored; after the reply it gets the same reply", async () => {
  const h = host();
  const rpc = new ServerRpcDispatcher(h);
  let calls = 0;
  let finish!: (v: unknown) => void;
  rpc.handler = () => {
    calls++;
    return new Promise((resolve) => (finish = resolve));
  };
  rpc.onRequest(3, BODY);
  rpc.onRequest(3, BODY);
  assert.equal(rpc.stats.duplicatesIgnored, 1);
  finish("done");
  await flush();
  assert.equal(h.replies.length, 1);
  h.replies[0].lose(); // not acknowledged: the server will push the request again
  await flush();
  rpc.onRequest(3, BODY);
  await flush();
  assert.deepEqual(h.replies.map((r) => r.payload), [`"done"`, `"done"`]);
  assert.equal(calls, 1);
  assert.equal(rpc.stats.repliesResent, 1);
  assert.ok(h.warnings.some((w) => w === "lost"));
});

Deno.test("the same id with another body is a new request (server restarted, ids from 0)", async () => {
  const h = host();
  const rpc = new ServerRpcDispatcher(h);
  const seen: string[] = [];
  let release!: (v: unknown) => void;
  rpc.handler = (_id, { method }) => {
    seen.push(method);
    return method === "old" ? new Promise((r) => (release = r)) : "new-reply";
  };
  rpc.onRequest(0, `{"method":"old"}`);
  rpc.onRequest(0, `{"method":"new"}`);
  await flush();
  release("old-reply");
  await flush();
  assert.deepEqual(seen, ["old", "new"]);
  assert.deepEqual(h.replies.map((r) => r.payload), [`"new-reply"`]);
});

Deno.test("offline: the reply is kept and sent when the request is pushed again", async () => {
  const h = host();
  const rpc = new ServerRpcDispatcher(h);
  let finish!: (v: unknown) => void;
  rpc.handler = () => new Promise((resolve) => (finish = resolve));
  rpc.onRequest(9, BODY);
  h.up = false;
  finish({ ok: 1 });
  await flush();
  assert.equal(h.replies.length, 0);
  assert.ok(
    h.warnings.some((w) => /kept and sent when ThingsBoard sends the request again/.test(w)),
  );
  h.up = true;
  rpc.onRequest(9, BODY);
  assert.deepEqual(h.replies.map((r) => r.payload), [`{"ok":1}`]);
});

Deno.test("undefined means no reply yet; sendRpcReply answers later; throws become error replies", async () => {
  const h = host();
  const rpc = new ServerRpcDispatcher(h);
  rpc.handler = (_id, { method }) => {
    if (method === "boom") throw new Error("relay jammed");
    if (method === "reject") return Promise.reject("plain reason");
    return undefined;
  };
  rpc.onRequest(1, `{"method":"later"}`);
  rpc.onRequest(1, `{"method":"later"}`); // duplicate of a request awaiting the app's reply
  rpc.onRequest(2, `{"method":"boom"}`);
  rpc.onRequest(3, `{"method":"reject"}`);
  await flush();
  assert.deepEqual(h.replies.map((r) => [r.id, r.payload]), [
    [2, `{"error":"relay jammed"}`],
    [3, `{"error":"plain reason"}`],
  ]);
  const sending = rpc.reply(1, { late: 2n ** 60n });
  assert.equal(h.replies.at(-1)?.payload, `{"late":1152921504606846976}`);
  h.replies.at(-1)!.ack();
  await sending;
  assert.equal(rpc.stats.duplicatesIgnored, 1);
  await assert.rejects(rpc.reply(-1, {}), TypeError);
  await assert.rejects(rpc.reply(4, { bad: NaN }), RangeError);
});

Deno.test("invalid requests and requests without a handler are reported, not answered", () => {
  const h = host();
  const rpc = new ServerRpcDispatcher(h);
  rpc.onRequest(1, BODY);
  rpc.handler = () => 1;
  rpc.onRequest(2, "{nope");
  rpc.onRequest(3, `{"params":1}`);
  assert.equal(h.replies.length, 0);
  assert.equal(h.warnings.length, 3);
  assert.match(h.warnings[0], /no handler/);
  assert.throws(() => (rpc.handler = 5 as never), TypeError);
});

Deno.test("unacknowledged replies expire after the TTL", async () => {
  const h = host();
  const rpc = new ServerRpcDispatcher(h, 0);
  let calls = 0;
  rpc.handler = () => ++calls;
  rpc.onRequest(5, BODY);
  await flush();
  h.replies[0].lose();
  await flush();
  rpc.onRequest(5, BODY); // the kept reply expired: treated as new
  await flush();
  assert.equal(calls, 2);
});
