import assert from "node:assert/strict";
import {
  classifyConnack,
  connackCodeText,
  connackError,
  disconnectReasonText,
  isRateLimitCode,
  ThingsBoardConnackError,
  ThingsBoardError,
  ThingsBoardProvisionError,
} from "./errors.ts";

Deno.test("classifyConnack: credentials stop, unavailable/busy/rate retry", () => {
  for (const code of [2, 4, 5, 0x85, 0x86, 0x87, 0x8a, 0x8c]) {
    assert.equal(classifyConnack(code), "auth");
  }
  for (const code of [1, 0x84, 0x9c]) assert.equal(classifyConnack(code), "refused");
  for (const code of [3, 0x88, 0x89, 0x9f, 0x80]) assert.equal(classifyConnack(code), "retry");
});

Deno.test("connackCodeText uses decimal for 3.1.1 and hex for MQTT 5 codes", () => {
  assert.equal(connackCodeText(5), "5 not authorized");
  assert.equal(connackCodeText(0x86), "0x86 bad user name or password");
  assert.equal(connackCodeText(0x99), "0x99 unknown reason");
});

Deno.test("connackError names the refused credential without its secret", () => {
  const token = connackError(5, { kind: "access token" });
  assert.ok(token instanceof ThingsBoardConnackError && token instanceof ThingsBoardError);
  assert.equal(token.code, "auth");
  assert.equal(token.reasonCode, 5);
  assert.match(token.message, /rejected the access token .*CONNACK 5 not authorized; not retrying/);
  const basic = connackError(0x86, {
    kind: "MQTT basic credentials",
    clientId: "cid",
    username: "user",
    hasPassword: true,
  });
  assert.match(basic.message, /client id "cid", username "user", a password \(not shown\)/);
  const idOnly = connackError(2, { kind: "MQTT basic credentials", clientId: "cid" });
  assert.match(idOnly.message, /no password.*client id is unknown/);
  assert.match(
    connackError(0x87, { kind: "X.509 certificate" }).message,
    /X\.509 client certificate/,
  );
  const refused = connackError(0x84, { kind: "access token" });
  assert.equal(refused.code, "refused");
  assert.match(refused.message, /0x84 unsupported protocol version/);
});

Deno.test("rate-limit codes and DISCONNECT texts", () => {
  assert.ok(isRateLimitCode(0x83) && isRateLimitCode(0x96) && isRateLimitCode(0x97));
  assert.ok(!isRateLimitCode(0x8e));
  assert.match(disconnectReasonText(0x8e), /0x8e session taken over \(another client/);
  assert.match(disconnectReasonText(0x83), /rate limit/);
  assert.equal(disconnectReasonText(0x04), "0x4 server disconnect");
});

Deno.test("ThingsBoardProvisionError carries the status", () => {
  const error = new ThingsBoardProvisionError("NOT_FOUND", "x");
  assert.equal(error.code, "provision");
  assert.equal(error.status, "NOT_FOUND");
  assert.equal(error.name, "ThingsBoardProvisionError");
});
