/**
 * Errors that callers of the TFP layer catch and tell apart by `code`.
 *
 * The message texts match those of the official bindings where the MQTT
 * bridge forwards them, so keep them stable.
 *
 * @module
 */

/** What went wrong, independent of the message text. */
export type TfpErrorCode =
  | "timeout"
  | "invalid_parameter"
  | "function_not_supported"
  | "unknown_error"
  | "not_connected"
  | "wrong_response_length"
  | "stream_out_of_sync"
  | "wrong_device_type"
  | "authentication_failed"
  | "connection_closed";

/** Message used when a {@link TfpError} is created without one. */
export const DEFAULT_MESSAGES: Readonly<Record<TfpErrorCode, string>> = {
  timeout: "Did not receive response in time",
  invalid_parameter: "Got invalid parameter",
  function_not_supported: "Function is not supported",
  unknown_error: "Function returned an unknown error",
  not_connected: "Not connected",
  wrong_response_length: "Received response with wrong length",
  stream_out_of_sync: "Stream is out-of-sync",
  wrong_device_type: "Wrong device type",
  authentication_failed: "Authentication failed",
  connection_closed: "Connection closed",
};

/** Base of all TFP errors; `code` says which one. */
export class TfpError extends Error {
  readonly code: TfpErrorCode;

  constructor(
    code: TfpErrorCode,
    message: string = DEFAULT_MESSAGES[code],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "TfpError";
    this.code = code;
  }
}

/** A request with response expected got no matching response before its deadline. */
export class TfpTimeoutError extends TfpError {
  readonly uid: number;
  readonly functionId: number;
  readonly sequence: number;

  constructor(uid: number, functionId: number, sequence: number) {
    super("timeout", `Did not receive response for function ${functionId} in time`);
    this.name = "TfpTimeoutError";
    this.uid = uid;
    this.functionId = functionId;
    this.sequence = sequence;
  }
}

const DEVICE_ERROR_CODES = {
  1: "invalid_parameter",
  2: "function_not_supported",
  3: "unknown_error",
} as const;

function deviceErrorMessage(errorCode: 1 | 2 | 3, functionId: number): string {
  switch (errorCode) {
    case 1:
      return `Got invalid parameter for function ${functionId}`;
    case 2:
      return `Function ${functionId} is not supported`;
    case 3:
      return `Function ${functionId} returned an unknown error`;
  }
}

/** The device answered with a non-zero error code in header byte 7. */
export class TfpDeviceError extends TfpError {
  readonly uid: number;
  readonly functionId: number;
  readonly errorCode: 1 | 2 | 3;

  constructor(uid: number, functionId: number, errorCode: 1 | 2 | 3) {
    super(DEVICE_ERROR_CODES[errorCode], deviceErrorMessage(errorCode, functionId));
    this.name = "TfpDeviceError";
    this.uid = uid;
    this.functionId = functionId;
    this.errorCode = errorCode;
  }
}

/** Maps a response header's error code (1..3) to its error. Throws RangeError for other codes */
export function errorFromCode(uid: number, functionId: number, errorCode: number): TfpDeviceError {
  if (errorCode !== 1 && errorCode !== 2 && errorCode !== 3) {
    throw new RangeError(`Error code must be 1, 2 or 3, got ${errorCode}`);
  }
  return new TfpDeviceError(uid, functionId, errorCode);
}
