/**
 * Names of telemetry keys and ThingsBoard devices, and validation of the per-uid aliases from
 * the configuration.
 *
 * - Device mode (the agent is one ThingsBoard device): every value key is prefixed with the
 *   device's alias or uid, `<alias or uid>_<key>`: `Tmp_temperature`,
 *   `greenhouse_humidity`, and unit attributes likewise: `Tmp_temperature_unit`.
 * - Gateway mode (one ThingsBoard device per Brick/Bricklet): the device is named by its alias,
 *   or `<display name> <uid>` (`Temperature Bricklet 2.0 ZQv`), and keys stay plain.
 *
 * Value keys themselves come from the catalog (catalog_rules.ts).
 *
 * @module
 */

/** Longest alias accepted, in characters (code points). */
export const MAX_ALIAS_LENGTH = 64;

// C0 and C1 control characters and DEL: invisible in dashboards, unsafe in logs.
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Device-mode key of value `key` of device `uid`: `<alias or uid>_<key>`. */
export function deviceModeKey(uid: string, alias: string | undefined, key: string): string {
  return `${alias ?? uid}_${key}`;
}

/** Gateway-mode device name: the alias, or `<displayName> <uid>`. */
export function gatewayDeviceName(
  uid: string,
  displayName: string,
  alias: string | undefined,
): string {
  return alias ?? `${displayName} ${uid}`;
}

/** Attribute key that carries the unit of value `key`. */
export function unitKey(key: string): string {
  return `${key}_unit`;
}

/**
 * Checks one alias: a non-empty string of at most {@link MAX_ALIAS_LENGTH} characters without
 * control characters or leading/trailing white space. Returns it; throws TypeError or
 * RangeError naming the uid otherwise.
 */
export function validateAlias(uid: string, alias: unknown): string {
  if (typeof alias !== "string") {
    throw new TypeError(`Alias of device "${uid}" must be a string, got ${typeof alias}`);
  }
  if (alias.trim() === "") throw new RangeError(`Alias of device "${uid}" must not be empty`);
  if (CONTROL_CHARACTERS.test(alias)) {
    throw new RangeError(
      `Alias ${JSON.stringify(alias)} of device "${uid}" must not contain control characters`,
    );
  }
  if (alias !== alias.trim()) {
    throw new RangeError(
      `Alias ${JSON.stringify(alias)} of device "${uid}" must not start or end with white space`,
    );
  }
  const length = [...alias].length;
  if (length > MAX_ALIAS_LENGTH) {
    throw new RangeError(
      `Alias of device "${uid}" is ${length} characters long, at most ${MAX_ALIAS_LENGTH} are allowed`,
    );
  }
  return alias;
}

/**
 * Checks an alias map (uid → alias): every alias valid, no alias used twice (two devices
 * would write the same keys or ThingsBoard device). Returns a copy.
 */
export function validateAliases(
  aliases: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const result: Record<string, string> = {};
  const owners = new Map<string, string>();
  for (const [uid, alias] of Object.entries(aliases)) {
    if (uid === "") throw new RangeError("Alias map has an empty uid");
    const checked = validateAlias(uid, alias);
    const owner = owners.get(checked);
    if (owner !== undefined) {
      throw new RangeError(
        `Alias ${JSON.stringify(checked)} is given to both "${owner}" and "${uid}"`,
      );
    }
    owners.set(checked, uid);
    result[uid] = checked;
  }
  return result;
}
