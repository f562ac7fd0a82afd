import assert from "node:assert/strict";
import {
  type MalformedTopic,
  normalizePrefix,
  type ParsedTopic,
  parseTopic,
  validateInitTopic,
  validatePrefix,
} from "./topics.ts";

const TF = "tinkerforge/";
const SHORT =
  "malformed topic: Expected at least [request_type]/[device_type]/(uid if device_type is not " +
  "'ip_connection'/)[function], but got: ";

Deno.test("normalizePrefix appends a slash unless empty or present", () => {
  const cases: Array<[string, string]> = [
    ["", ""],
    ["/", "/"],
    ["x/y", "x/y/"],
    ["tinkerforge/", "tinkerforge/"],
    ["cf/with space", "cf/with space/"],
    ["a//", "a//"],
  ];
  for (const [raw, normalised] of cases) assert.equal(normalizePrefix(raw), normalised);
});

Deno.test("validatePrefix gives the reference's lines", () => {
  const cases: Array<[string, string | undefined]> = [
    ["tinkerforge/", undefined],
    ["", undefined],
    ["/", undefined],
    ["cf/with space/", undefined],
    ["a$/", undefined],
    [
      "a/#/",
      "Global topic prefix invalid: 'a/#/' contains the wildcard character '#'. (MQTT-4.7.1-1)",
    ],
    [
      "a/+/",
      "Global topic prefix invalid: 'a/+/' contains the wildcard character '+'. (MQTT-4.7.1-1)",
    ],
    [
      "$SYS/",
      "Global topic prefix invalid: '$SYS/' starts with the reserved character '$'. (MQTT-4.7.2-1)",
    ],
    // '#' is checked before '+', both before '$'.
    [
      "$+#/",
      "Global topic prefix invalid: '$+#/' contains the wildcard character '#'. (MQTT-4.7.1-1)",
    ],
    [
      "$+/",
      "Global topic prefix invalid: '$+/' contains the wildcard character '+'. (MQTT-4.7.1-1)",
    ],
  ];
  for (const [prefix, line] of cases) assert.equal(validatePrefix(prefix), line, prefix);
  assert.equal(
    validatePrefix(normalizePrefix("a/#")),
    "Global topic prefix invalid: 'a/#/' contains the wildcard character '#'. (MQTT-4.7.1-1)",
  );
});

Deno.test("validateInitTopic gives the reference's lines", () => {
  const cases: Array<[string, string | undefined]> = [
    ["tinkerforge/request/ip_connection/enumerate", undefined],
    [" ", undefined],
    ["", "Could not read init file: Empty topic name is not allowed. (MQTT-4.7.3-1)"],
    [
      "a/#",
      "Could not read init file: Topic 'a/#' contains the wildcard character '#'. (MQTT-4.7.1-1)",
    ],
    [
      "a/+/b",
      "Could not read init file: Topic 'a/+/b' contains the wildcard character '+'. (MQTT-4.7.1-1)",
    ],
    [
      "$x",
      "Could not read init file: Topic '$x' starts with the reserved character '$'. (MQTT-4.7.2-1)",
    ],
    [
      "$+",
      "Could not read init file: Topic '$+' contains the wildcard character '+'. (MQTT-4.7.1-1)",
    ],
  ];
  for (const [topic, line] of cases) assert.equal(validateInitTopic(topic), line, topic);
});

type Parts = Omit<ParsedTopic, "ok">;

/** Spec §2.3 examples and the edge cases around them: [prefix, received, parts]. */
const PARSED: Array<[string, string, Parts]> = [
  [TF, "tinkerforge/request/rgb_led_button_bricklet/Dod/get_color/room/1", {
    operation: "request",
    device: "rgb_led_button_bricklet",
    uid: "Dod",
    function: "get_color",
    suffix: "room/1",
    answerTopic: "tinkerforge/response/rgb_led_button_bricklet/Dod/get_color/room/1",
  }],
  [TF, "tinkerforge/request/rgb_led_button_bricklet/Dod/get_color/", {
    operation: "request",
    device: "rgb_led_button_bricklet",
    uid: "Dod",
    function: "get_color",
    suffix: "",
    answerTopic: "tinkerforge/response/rgb_led_button_bricklet/Dod/get_color/",
  }],
  [TF, "tinkerforge/request/rgb_led_button_bricklet/Dod/get_color", {
    operation: "request",
    device: "rgb_led_button_bricklet",
    uid: "Dod",
    function: "get_color",
    answerTopic: "tinkerforge/response/rgb_led_button_bricklet/Dod/get_color",
  }],
  ["", "request/rgb_led_button_bricklet/Dod/get_color", {
    operation: "request",
    device: "rgb_led_button_bricklet",
    uid: "Dod",
    function: "get_color",
    answerTopic: "response/rgb_led_button_bricklet/Dod/get_color",
  }],
  ["/", "/request/rgb_led_button_bricklet/Dod/get_color", {
    operation: "request",
    device: "rgb_led_button_bricklet",
    uid: "Dod",
    function: "get_color",
    answerTopic: "/response/rgb_led_button_bricklet/Dod/get_color",
  }],
  ["x/y/", "x/y/request/rgb_led_button_bricklet/Dod/get_color/s", {
    operation: "request",
    device: "rgb_led_button_bricklet",
    uid: "Dod",
    function: "get_color",
    suffix: "s",
    answerTopic: "x/y/response/rgb_led_button_bricklet/Dod/get_color/s",
  }],
  [TF, "tinkerforge/request/ip_connection/get_connection_state/a/b", {
    operation: "request",
    device: "ip_connection",
    function: "get_connection_state",
    suffix: "a/b",
    answerTopic: "tinkerforge/response/ip_connection/get_connection_state/a/b",
  }],
  [TF, "tinkerforge/register/rgb_led_button_bricklet/Dod/button_state_changed/room/1", {
    operation: "register",
    device: "rgb_led_button_bricklet",
    uid: "Dod",
    function: "button_state_changed",
    suffix: "room/1",
    answerTopic: "tinkerforge/callback/rgb_led_button_bricklet/Dod/button_state_changed/room/1",
  }],
  // Empty segments are kept, in the suffix and everywhere else.
  [TF, "tinkerforge/request/rgb_led_button_bricklet/Dod/get_color/a//b", {
    operation: "request",
    device: "rgb_led_button_bricklet",
    uid: "Dod",
    function: "get_color",
    suffix: "a//b",
    answerTopic: "tinkerforge/response/rgb_led_button_bricklet/Dod/get_color/a//b",
  }],
  // An empty function name ("Unknown function  for device Dod ...").
  [TF, "tinkerforge/request/rgb_led_button_bricklet/Dod/", {
    operation: "request",
    device: "rgb_led_button_bricklet",
    uid: "Dod",
    function: "",
    answerTopic: "tinkerforge/response/rgb_led_button_bricklet/Dod/",
  }],
  // ... and for ip_connection ("Unknown ip connection function ").
  [TF, "tinkerforge/request/ip_connection/", {
    operation: "request",
    device: "ip_connection",
    function: "",
    answerTopic: "tinkerforge/response/ip_connection/",
  }],
  [TF, "tinkerforge/request/bindings/reset_callbacks/x", {
    operation: "request",
    device: "bindings",
    function: "reset_callbacks",
    suffix: "x",
    answerTopic: "tinkerforge/response/bindings/reset_callbacks/x",
  }],
  // Every operation but "request" is answered on "callback".
  [TF, "tinkerforge/callback/bindings/restart", {
    operation: "callback",
    device: "bindings",
    function: "restart",
    answerTopic: "tinkerforge/callback/bindings/restart",
  }],
  [TF, "tinkerforge/whatever/bindings/x", {
    operation: "whatever",
    device: "bindings",
    function: "x",
    answerTopic: "tinkerforge/callback/bindings/x",
  }],
  [TF, "tinkerforge/request/dev//fn", {
    operation: "request",
    device: "dev",
    uid: "",
    function: "fn",
    answerTopic: "tinkerforge/response/dev//fn",
  }],
  // Init-file topics: only the prefix length is stripped, and the answer's head
  // comes from the topic itself (its first len-1 characters, then "/").
  [TF, "xxxxxxxxxxx-request/ip_connection/enumerate", {
    operation: "request",
    device: "ip_connection",
    function: "enumerate",
    answerTopic: "xxxxxxxxxxx/response/ip_connection/enumerate",
  }],
  // Lengths count code points, as in Python: one emoji is one character.
  ["\u{1f600}/", "a/request/ip_connection/enumerate", {
    operation: "request",
    device: "ip_connection",
    function: "enumerate",
    answerTopic: "a/response/ip_connection/enumerate",
  }],
  ["ab/", "\u{1f600}xyrequest/ip_connection/enumerate", {
    operation: "request",
    device: "ip_connection",
    function: "enumerate",
    answerTopic: "\u{1f600}x/response/ip_connection/enumerate",
  }],
  ["\u{1f600}/", "\u{1f600}/request/ip_connection/enumerate", {
    operation: "request",
    device: "ip_connection",
    function: "enumerate",
    answerTopic: "\u{1f600}/response/ip_connection/enumerate",
  }],
];

for (const [prefix, topic, parts] of PARSED) {
  Deno.test(`parseTopic ${JSON.stringify(prefix)} ${topic}`, () => {
    assert.deepEqual(parseTopic(prefix, topic), { ok: true, ...parts });
  });
}

/** Topics with too few segments: [prefix, received, logged error]. */
const MALFORMED: Array<[string, string, string]> = [
  [TF, "tinkerforge/request/ip_connection", SHORT + "tinkerforge/request/ip_connection"],
  [TF, "tinkerforge/request", SHORT + "tinkerforge/request"],
  [TF, "tinkerforge/", SHORT + "tinkerforge/"],
  [TF, "pre_connect", SHORT + "pre_connect"],
  ["", "pre_connect", SHORT + "pre_connect"],
  [
    TF,
    "tinkerforge/request/rgb_led_button_bricklet/Dod",
    "malformed topic: Expected at least [request_type; was: request]/[device_type; was: " +
    "rgb_led_button_bricklet]/[uid]/[function], but got: " +
    "tinkerforge/request/rgb_led_button_bricklet/Dod",
  ],
  [
    "",
    "register/dev/",
    "malformed topic: Expected at least [request_type; was: register]/[device_type; was: " +
    "dev]/[uid]/[function], but got: register/dev/",
  ],
];

for (const [prefix, topic, error] of MALFORMED) {
  Deno.test(`parseTopic malformed ${JSON.stringify(prefix)} ${topic}`, () => {
    const expected: MalformedTopic = { ok: false, error };
    assert.deepEqual(parseTopic(prefix, topic), expected);
  });
}
