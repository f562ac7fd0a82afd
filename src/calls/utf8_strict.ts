/**
 * Strict UTF-8 decoding with CPython's `UnicodeDecodeError` texts.
 *
 * The bridge answers an undecodable payload with
 * `Could not decode payload as utf-8: <error>`, where `<error>` is what
 * `bytes.decode("utf-8")` raises, e.g.
 * `'utf-8' codec can't decode byte 0xff in position 0: invalid start byte`.
 * The first error found is the one reported, with the byte range that CPython's
 * decoder (`Objects/stringlib/codecs.h`) blames for it.
 *
 * @module
 */

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** An undecodable byte sequence; `message` is CPython's `str(UnicodeDecodeError)`. */
export class Utf8DecodeError extends Error {
  constructor(
    message: string,
    /** Index of the first offending byte */
    readonly start: number,
    /** Index after the last offending byte */
    readonly end: number,
  ) {
    super(message);
    this.name = "Utf8DecodeError";
  }
}

/** `bytes.decode("utf-8")`: the text, or a {@link Utf8DecodeError} with CPython's message. */
export function utf8DecodeStrict(bytes: Uint8Array): string {
  try {
    // The engine's decoder agrees with CPython on what is valid (no surrogates,
    // no overlong forms, nothing above U+10FFFF) and is fast; only a failure
    // needs the slow scan below to name the error the way CPython does.
    return fatalDecoder.decode(bytes);
  } catch {
    throw findError(bytes);
  }
}

function findError(bytes: Uint8Array): Utf8DecodeError {
  const len = bytes.length;
  let i = 0;
  while (i < len) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Valid second-byte range for each lead byte (Unicode table 3-7).
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      if (lead === 0xe0) lo = 0xa0; // overlong
      if (lead === 0xed) hi = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      if (lead === 0xf0) lo = 0x90; // overlong
      if (lead === 0xf4) hi = 0x8f; // above U+10FFFF
    } else {
      return decodeError(bytes, i, i + 1, "invalid start byte");
    }
    for (let k = 1; k <= need; k++) {
      if (i + k >= len) return decodeError(bytes, i, len, "unexpected end of data");
      const b = bytes[i + k];
      const ok = k === 1 ? b >= lo && b <= hi : b >= 0x80 && b <= 0xbf;
      if (!ok) return decodeError(bytes, i, i + k, "invalid continuation byte");
    }
    i += need + 1;
  }
  // Not reached for input the engine rejected; kept so a disagreement cannot go unnoticed.
  return new Utf8DecodeError("'utf-8' codec can't decode bytes: invalid data", 0, len);
}

function decodeError(bytes: Uint8Array, start: number, end: number, reason: string) {
  const where = end === start + 1
    ? `byte 0x${bytes[start].toString(16).padStart(2, "0")} in position ${start}`
    : `bytes in position ${start}-${end - 1}`;
  return new Utf8DecodeError(`'utf-8' codec can't decode ${where}: ${reason}`, start, end);
}
