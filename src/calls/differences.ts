/**
 * Where the call engine deliberately differs from tinkerforge_mqtt 2.0.17
 * (spec §16 and other reference defects). Each entry is one sentence; the
 * README lists them from here.
 *
 * @module
 */

/** One sentence per deliberate difference from the reference. */
export const DIFFERENCES_FROM_REFERENCE: readonly string[] = Object.freeze([
  "A payload that is valid JSON but not an object (number, string, null, bool) counts as 'all arguments missing', like an array, where the reference publishes nothing for functions with arguments.",
  "A char or string argument that is neither a string nor a list is answered with 'Call <fn> of <device> <uid>: Argument <name> was not of expected type char.' (or 'string.') instead of nothing.",
  "A char or string argument with a character above U+00FF is answered with 'Argument <name> contains the character U+XXXX, but only characters up to U+00FF are supported.' instead of nothing.",
  "An empty char argument is answered with 'Argument <name> was a string of length 0, but a single character was expected.' instead of nothing.",
  "Items of char lists (for example RS232 write.message) must be single characters; longer strings are answered with 'Argument <name>[<i>] was a string of length <n>, but a single character was expected.' instead of nothing.",
  "Integers given as strings and symbol names work for the non-stream arguments of stream functions (for example get_led_values index and length), where the reference fails with 'required argument is not an integer'.",
  "A get_identity answer with a device identifier unknown to this version (possible when another device took the UID after the identity check passed) is published with the number and '_display_name': 'Unknown Device [<id>]' instead of nothing.",
  "UID '2' (any UID that maps to 1) is an ordinary device UID; the reference collides with its internal Brick Daemon object.",
  "Calls to different UIDs run concurrently and only calls to the same UID wait for each other, so a missing device no longer delays every other request.",
  "Out-of-range values in stream data are rejected before the first chunk is sent, with the same struct text, instead of after the chunks before the bad value were sent.",
  "A float argument too large for float32 is answered with 'float too large to pack with f format (call of ...)' instead of nothing (no released device has float arguments).",
  "A response of the wrong length is answered with 'Expected response of <n> bytes for function <id>, got <m> (call of ...)' instead of a traceback and no answer.",
  "A connection lost while a response is awaited is answered at once with 'Not connected (call of ...)' instead of after the timeout.",
  "An unexpected internal failure is answered with 'Internal error in call of <fn> of <device> <uid>: <message>' instead of a traceback and no answer.",
  "Resetting the device objects (bindings/reset_callbacks) cannot affect authentication, because the engine keeps no Brick Daemon pseudo-device.",
]);
