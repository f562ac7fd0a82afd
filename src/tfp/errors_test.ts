import assert from "node:assert/strict";
import {
  DEFAULT_MESSAGES,
  errorFromCode,
  TfpDeviceError,
  TfpError,
  type TfpErrorCode,
  TfpTimeoutError,
} from "./errors.ts";

Deno.test("TfpError carries its code and a default message", () => {
  const error = new TfpError("not_connected");
  assert.ok(error instanceof Error);
  assert.equal(error.name, "TfpError");
  assert.equal(error.code, "not_connected");
  assert.equal(error.message, "Not connected");
  assert.equal(new TfpError("stream_out_of_sync").message, "Stream is out-of-sync");
  assert.equal(new TfpError("connection_closed", "Peer went away").message, "Peer went away");
  const cause = new Error("socket reset");
  assert.equal(new TfpError("connection_closed", undefined, { cause }).cause, cause);
});

Deno.test("every code has a sentence-case default message without a trailing period", () => {
  for (const [code, message] of Object.entries(DEFAULT_MESSAGES)) {
    assert.match(message, /^[A-Z].*[^.]$/, code);
    assert.equal(new TfpError(code as TfpErrorCode).message, message);
  }
});

Deno.test("TfpTimeoutError", () => {
  const error = new TfpTimeoutError(33688, 1, 5);
  assert.ok(error instanceof TfpError);
  assert.equal(error.name, "TfpTimeoutError");
  assert.equal(error.code, "timeout");
  assert.equal(error.message, "Did not receive response for function 1 in time");
  assert.deepEqual([error.uid, error.functionId, error.sequence], [33688, 1, 5]);
});

Deno.test("errorFromCode maps the three device error codes", () => {
  const cases: [number, TfpErrorCode, string][] = [
    [1, "invalid_parameter", "Got invalid parameter for function 7"],
    [2, "function_not_supported", "Function 7 is not supported"],
    [3, "unknown_error", "Function 7 returned an unknown error"],
  ];
  for (const [errorCode, code, message] of cases) {
    const error = errorFromCode(42, 7, errorCode);
    assert.ok(error instanceof TfpDeviceError);
    assert.ok(error instanceof TfpError);
    assert.equal(error.name, "TfpDeviceError");
    assert.equal(error.code, code);
    assert.equal(error.message, message);
    assert.deepEqual([error.uid, error.functionId, error.errorCode], [42, 7, errorCode]);
  }
});

Deno.test("errorFromCode rejects codes other than 1..3", () => {
  for (const errorCode of [0, 4, -1, 1.5]) {
    assert.throws(() => errorFromCode(1, 1, errorCode), {
      name: "RangeError",
      message: `Error code must be 1, 2 or 3, got ${errorCode}`,
    });
  }
});
