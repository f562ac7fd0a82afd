import assert from "node:assert/strict";
import { CredentialsRegistry, refusalReason } from "./auth.ts";
import { DeviceRateLimiter, parseRateLimit, TokenBucket } from "./rate_limits.ts";

Deno.test("credentials are looked up in ThingsBoard's order", () => {
  const registry = new CredentialsRegistry();
  registry.add("token", { accessToken: "tok" });
  registry.add("cid", { clientId: "c-only", password: "pw" });
  registry.add("pair", { clientId: "c", username: "u" });
  registry.add("user", { username: "solo", clientId: undefined, password: "pw" });
  // Access token: client id and password are not checked.
  assert.equal(registry.authenticate("whatever", "tok", "ignored"), "token");
  // Client-id-only: no username allowed, password checked.
  assert.equal(registry.authenticate("c-only", undefined, "pw"), "cid");
  assert.equal(registry.authenticate("c-only", "", "pw"), "cid");
  assert.equal(registry.authenticate("c-only", undefined, "bad"), undefined);
  assert.equal(registry.authenticate("c-only", "someone", "pw"), undefined);
  // Pair without a stored password: any password.
  assert.equal(registry.authenticate("c", "u", "x"), "pair");
  // Pair miss falls back to the username alone.
  assert.equal(registry.authenticate("other", "solo", "pw"), "user");
  assert.equal(registry.authenticate("other", "solo", "nope"), undefined);
  assert.equal(registry.authenticate("other", "u"), undefined);
});

Deno.test("credentials: clashes and malformed input are refused", () => {
  const registry = new CredentialsRegistry();
  registry.add("a", { accessToken: "same" });
  // A username-only credential shares the access-token id space.
  assert.throws(() => registry.add("b", { username: "same" }), RangeError);
  assert.throws(() => registry.add("b", { accessToken: "" }), TypeError);
  assert.throws(() => registry.add("b", {}), TypeError);
  assert.throws(() => registry.add("b", { clientId: 5 as unknown as string }), TypeError);
  registry.remove("a");
  registry.add("b", { username: "same" });
  assert.equal(registry.authenticate("x", "same"), "b");
});

Deno.test("refusal reason follows the CONNECT flags", () => {
  assert.equal(refusalReason("c", true, false), 0x86);
  assert.equal(refusalReason("c", true, true), 0x86);
  assert.equal(refusalReason("", false, true), 0x86);
  assert.equal(refusalReason("c", false, false), 0x85);
  assert.equal(refusalReason(" ", false, false), 0x87);
  assert.equal(refusalReason("", true, true), 0x87);
});

Deno.test("token buckets: all bandwidths at once, greedy refill", () => {
  const bucket = new TokenBucket("2:1,3:60", 0);
  assert.equal(bucket.tryConsume(1, 0), true);
  assert.equal(bucket.tryConsume(1, 0), true);
  assert.equal(bucket.tryConsume(1, 0), false); // 2 per second
  assert.equal(bucket.tryConsume(1, 1000), true); // refilled; minute bucket at 0 now
  assert.equal(bucket.tryConsume(1, 2000), false); // 3 per minute
  assert.equal(bucket.tryConsume(1, 22000), true); // the minute bucket refills 1 per 20 s
  assert.equal(new TokenBucket(undefined).tryConsume(1e9), true);
  assert.deepEqual(parseRateLimit(" 100:1 , 3000:60"), [
    { capacity: 100, seconds: 1 },
    { capacity: 3000, seconds: 60 },
  ]);
  assert.throws(() => parseRateLimit("100"), RangeError);
  assert.throws(() => parseRateLimit("0:1"), RangeError);
});

Deno.test("device limiter: telemetry takes one message plus one token per data point", () => {
  const limiter = new DeviceRateLimiter({ telemetryMessages: "2:60", telemetryDataPoints: "5:60" });
  assert.equal(limiter.tryTelemetry(5), true);
  assert.equal(limiter.tryTelemetry(1), false);
  assert.equal(limiter.tryMessage(), true); // separate bucket, unlimited here
  assert.deepEqual(limiter.config, {
    messages: "",
    telemetryMessages: "2:60",
    telemetryDataPoints: "5:60",
  });
});
