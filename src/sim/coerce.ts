/**
 * Turns JSON values from a configuration into codec values of an element's
 * type (bigint for 64-bit integers, 1-char strings for char, arrays of
 * `count` items), collecting readable problems instead of throwing.
 *
 * @module
 */

import type { Value } from "../tfp/payload.ts";
import type { ElementSpec } from "../tfp/spec.ts";
import { typeRange } from "./readings.ts";

function show(value: unknown): string {
  return typeof value === "bigint" ? `${value}` : JSON.stringify(value) ?? String(value);
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function coerceItem(
  element: ElementSpec,
  raw: unknown,
  where: string,
  problems: string[],
): Value | undefined {
  const type = element.type;
  switch (type) {
    case "bool":
      if (typeof raw === "boolean") return raw;
      problems.push(`${where}: expected true or false, got ${show(raw)}`);
      return undefined;
    case "char":
      if (typeof raw === "string" && raw.length === 1 && raw.charCodeAt(0) <= 0xff) return raw;
      problems.push(`${where}: expected a single Latin-1 character, got ${show(raw)}`);
      return undefined;
    case "string":
      if (typeof raw === "string" && raw.length <= element.count && isLatin1(raw)) {
        return raw;
      }
      problems.push(
        `${where}: expected a Latin-1 string of at most ${element.count} characters, got ${
          show(raw)
        }`,
      );
      return undefined;
    case "float":
      if (typeof raw === "number" && Number.isFinite(raw)) return raw;
      problems.push(`${where}: expected a number, got ${show(raw)}`);
      return undefined;
    case "int64":
    case "uint64": {
      let value: bigint | undefined;
      if (typeof raw === "number" && Number.isSafeInteger(raw)) value = BigInt(raw);
      else if (typeof raw === "string" && /^-?\d+$/.test(raw)) value = BigInt(raw);
      const min = type === "int64" ? -(2n ** 63n) : 0n;
      const max = type === "int64" ? 2n ** 63n - 1n : 2n ** 64n - 1n;
      if (value !== undefined && value >= min && value <= max) return value;
      problems.push(
        `${where}: expected an integer in ${min}..${max} (a string for big values), got ${
          show(raw)
        }`,
      );
      return undefined;
    }
    default: {
      const [min, max] = typeRange(type);
      if (typeof raw === "number" && Number.isInteger(raw) && raw >= min && raw <= max) return raw;
      problems.push(`${where}: expected an integer in ${min}..${max} (${type}), got ${show(raw)}`);
      return undefined;
    }
  }
}

/** The value `raw` as element type, or undefined after pushing a problem to `problems`. */
export function coerceValue(
  element: ElementSpec,
  raw: unknown,
  where: string,
  problems: string[],
): Value | undefined {
  if (element.count <= 1 || element.type === "string") {
    return coerceItem(element, raw, where, problems);
  }
  if (!Array.isArray(raw) || raw.length !== element.count) {
    problems.push(`${where}: expected an array of ${element.count} items, got ${show(raw)}`);
    return undefined;
  }
  const before = problems.length;
  const items = raw.map((item, i) => coerceItem(element, item, `${where}[${i}]`, problems));
  return problems.length > before ? undefined : items as Value[];
}
