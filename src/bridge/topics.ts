/**
 * Topic grammar of the MQTT bindings: the global prefix, parsing a received
 * topic into operation/device/uid/function/suffix, the answer topic, and the
 * topic checks for init-file entries.
 *
 * ```
 * [<prefix>]<operation>/<device>[/<uid>]/<function>[/<suffix...>]
 * ```
 *
 * Like the reference, parsing strips only the prefix's *length* (in Python
 * characters, i.e. code points) from the topic and takes the answer topic's
 * head from the received topic itself. For subscribed topics both equal the
 * prefix; only init-file topics can differ.
 *
 * @module
 */

/** A received topic split into its parts. */
export interface ParsedTopic {
  readonly ok: true;
  /** `request`, `register`, `callback`, or anything else the topic says */
  readonly operation: string;
  /** Device topic name, `ip_connection` or `bindings` */
  readonly device: string;
  /** Absent for the UID-less devices `ip_connection` and `bindings` */
  readonly uid?: string;
  /** Function or callback name; may be empty */
  readonly function: string;
  /** Leftover segments joined with `/`; present (possibly `""`) whenever there were any */
  readonly suffix?: string;
  /** Where the answer goes: `response` for `request`, `callback` for any other operation */
  readonly answerTopic: string;
}

/** A topic with too few segments; `error` is the reference's ERROR log text. */
export interface MalformedTopic {
  readonly ok: false;
  readonly error: string;
}

/** Devices whose topics have no UID segment. */
const UIDLESS_DEVICES = new Set(["ip_connection", "bindings"]);

/** `--global-topic-prefix` as used: a `/` is appended unless it is empty or already ends in one. */
export function normalizePrefix(prefix: string): string {
  return prefix.length > 0 && !prefix.endsWith("/") ? prefix + "/" : prefix;
}

/**
 * The line the reference prints (stdout, then exit 33) for an invalid
 * normalised prefix, or `undefined` when the prefix is fine.
 */
export function validatePrefix(prefix: string): string | undefined {
  const reason = wildcardOrReserved(prefix);
  return reason === undefined ? undefined : `Global topic prefix invalid: '${prefix}' ${reason}`;
}

/**
 * The line the reference prints (stdout, then exit 31) for an init-file
 * topic that is empty or not a valid topic name, or `undefined` when it is fine.
 * The caller checks each entry when it runs, as the reference does.
 */
export function validateInitTopic(topic: string): string | undefined {
  if (topic.length === 0) {
    return "Could not read init file: Empty topic name is not allowed. (MQTT-4.7.3-1)";
  }
  const reason = wildcardOrReserved(topic);
  return reason === undefined ? undefined : `Could not read init file: Topic '${topic}' ${reason}`;
}

function wildcardOrReserved(text: string): string | undefined {
  if (text.includes("#")) return "contains the wildcard character '#'. (MQTT-4.7.1-1)";
  if (text.includes("+")) return "contains the wildcard character '+'. (MQTT-4.7.1-1)";
  if (text.startsWith("$")) return "starts with the reserved character '$'. (MQTT-4.7.2-1)";
  return undefined;
}

/**
 * Splits a received topic. `prefix` is the normalised global prefix; only its
 * length in code points is used, as in the reference.
 */
export function parseTopic(prefix: string, topic: string): ParsedTopic | MalformedTopic {
  let head: string | undefined; // the answer topic's prefix part, without its final "/"
  let rest: string;
  if (prefix.length === 0) {
    rest = topic;
  } else if (topic.startsWith(prefix) && prefix.endsWith("/")) {
    // The common case: the head is the prefix itself.
    head = prefix.slice(0, -1);
    rest = topic.slice(prefix.length);
  } else {
    const prefixLength = countCodePoints(prefix);
    const points = Array.from(topic);
    head = points.slice(0, prefixLength - 1).join("");
    rest = points.slice(prefixLength).join("");
  }

  const segments = rest.split("/");
  if (segments.length < 3) {
    return malformed(
      "malformed topic: Expected at least [request_type]/[device_type]/(uid if device_type is not " +
        `'ip_connection'/)[function], but got: ${topic}`,
    );
  }
  const operation = segments[0];
  const device = segments[1];
  const uidless = UIDLESS_DEVICES.has(device);
  if (!uidless && segments.length < 4) {
    return malformed(
      `malformed topic: Expected at least [request_type; was: ${operation}]/[device_type; was: ` +
        `${device}]/[uid]/[function], but got: ${topic}`,
    );
  }
  const uid = uidless ? undefined : segments[2];
  const functionIndex = uidless ? 2 : 3;
  const fn = segments[functionIndex];
  const suffix = segments.length > functionIndex + 1
    ? segments.slice(functionIndex + 1).join("/")
    : undefined;

  let answerTopic = head === undefined ? "" : head + "/";
  answerTopic += (operation === "request" ? "response/" : "callback/") + device + "/";
  if (uid !== undefined) answerTopic += uid + "/";
  answerTopic += fn;
  if (suffix !== undefined) answerTopic += "/" + suffix;

  const parsed: { -readonly [K in keyof ParsedTopic]: ParsedTopic[K] } = {
    ok: true,
    operation,
    device,
    function: fn,
    answerTopic,
  };
  // Absent rather than undefined, so the parts compare and print cleanly.
  if (uid !== undefined) parsed.uid = uid;
  if (suffix !== undefined) parsed.suffix = suffix;
  return parsed;
}

function malformed(error: string): MalformedTopic {
  return { ok: false, error };
}

function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
