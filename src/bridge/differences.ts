/**
 * Where the bridge runtime and its command line deliberately differ from
 * tinkerforge_mqtt 2.0.17 (the call engine's own list is in
 * src/calls/differences.ts). One sentence each; the README must list every
 * one (tests/readme_differences_test.ts checks it).
 *
 * @module
 */

/** One sentence per deliberate difference of the bridge runtime and CLI. */
export const BRIDGE_DIFFERENCES: readonly string[] = Object.freeze([
  "The Brick Daemon connection re-authenticates after every reconnect; the reference authenticates only once, so its requests fail silently after brickd restarts.",
  "A refused CONNACK is logged at ERROR with the broker's reason and retried with backoff (1 to 120 s); the reference logs it at debug level only.",
  "TLS failures towards the broker are logged at ERROR as 'TLS connection to MQTT broker failed: ...' instead of the plain 'Could not connect' line.",
  "A lost broker or Brick Daemon connection is logged as a WARNING.",
  "Outgoing messages go through a bounded queue (10,000 messages, at most 100 in flight, oldest dropped when full); messages published while the broker is down are dropped and counted, with at most one WARNING per 10 s giving the counts.",
  "An enumerate with an unknown device identifier is published with the number and '_display_name': 'Unknown Device [<id>]'; in the reference the callback thread dies and all callbacks stop.",
  "Deregistering a high-level callback, or deregistering on a UID whose object is another device type, breaks nothing; in the reference the first kills the callback thread and the second raises a KeyError.",
  "A callback packet too short to decode is logged at ERROR and skipped; later callbacks keep working.",
  "Events that arrive during a device's first identity check are held (up to 10,000 per device) and then delivered in order, or dropped on a type mismatch.",
  "A non-ASCII or over-long brickd authentication secret is reported as CRITICAL (exit 24) before connecting to anything.",
  "--debug does not turn on MQTT.js's packet log; the reference's --debug turns on paho's.",
  "-v/--version prints 'tfedge <version> (compatible with tinkerforge_mqtt 2.0.17)', and usage and error lines say tfedge.",
  "An init file with pre_connect but no post_connect does not run the section keys as topics, so there is no malformed-topic log spam.",
  "Init files whose top level or sections are not JSON objects are rejected at load time with 'Could not read init file: ...' and exit 31, instead of a traceback after connecting.",
  "A failed ip_connection/enumerate is logged at ERROR as 'Could not enumerate: <reason>' instead of being swallowed.",
]);
