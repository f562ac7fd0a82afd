/**
 * Attribute requests (body and response shapes) and the registry of shared
 * attribute subscriptions.
 *
 * @module
 */
import { isJsonObject, type TbJsonObject, tbJsonParse, type TbJsonValue } from "./json.ts";

/** Which attributes to request; omit both to get every client and shared attribute. */
export interface AttributeKeys {
  clientKeys?: readonly string[];
  sharedKeys?: readonly string[];
}

/** An attribute response: `client` and `shared` are `{}` when none of their keys exist. */
export interface AttributeResponse {
  client: TbJsonObject;
  shared: TbJsonObject;
}

/** A shared attribute update pushed by the server. */
export interface AttributeUpdate {
  /** Changed shared attributes */
  values: TbJsonObject;
  /** Shared attributes that were deleted */
  deleted: string[];
}

/** Receives shared attribute updates. */
export type AttributeCallback = (update: AttributeUpdate) => void;

/** The request body: comma-separated key lists, as the server splits them. */
export function attributeRequestBody(keys: AttributeKeys): string {
  const body: Record<string, string> = {};
  for (const field of ["clientKeys", "sharedKeys"] as const) {
    const list = keys[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      throw new TypeError(`Invalid ${field}: expected an array of strings`);
    }
    for (const k of list) {
      if (typeof k !== "string" || k === "" || k.includes(",")) {
        throw new TypeError(
          `Invalid ${field} entry ${JSON.stringify(k)}: keys are non-empty strings without commas`,
        );
      }
    }
    if (list.length > 0) body[field] = list.join(",");
  }
  return JSON.stringify(body);
}

/** Shapes a parsed response; a missing scope becomes `{}`. */
export function attributeResponse(value: TbJsonValue): AttributeResponse {
  if (!isJsonObject(value)) {
    throw new TypeError("Invalid attribute response: expected a JSON object");
  }
  const client = isJsonObject(value.client) ? value.client : {};
  const shared = isJsonObject(value.shared) ? value.shared : {};
  return { client, shared };
}

/** Parses a shared attribute push (`deleted` lists removed keys). */
export function parseAttributeUpdate(payload: string): AttributeUpdate {
  return attributeUpdateFrom(tbJsonParse(payload));
}

/** Shapes a parsed shared attribute push (the `data` of a gateway push). */
export function attributeUpdateFrom(value: TbJsonValue): AttributeUpdate {
  if (!isJsonObject(value)) throw new TypeError("Invalid attribute update: expected a JSON object");
  const values: TbJsonObject = {};
  let deleted: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === "deleted" && Array.isArray(v)) {
      deleted = v.filter((d): d is string => typeof d === "string");
    } else {
      values[k] = v;
    }
  }
  return { values, deleted };
}

interface Subscription {
  key: string | undefined;
  callback: AttributeCallback;
}

/** Subscriptions by id; one key or all keys each. */
export class AttributeSubscriptions {
  #subs = new Map<number, Subscription>();
  #nextId = 0;

  /** Number of subscriptions. */
  get size(): number {
    return this.#subs.size;
  }

  /** Adds a subscription to `key`, or to every key when `key` is undefined; returns its id. */
  add(key: string | undefined, callback: AttributeCallback): number {
    if (typeof callback !== "function") {
      throw new TypeError("Invalid callback: expected a function");
    }
    if (key !== undefined && (typeof key !== "string" || key === "")) {
      throw new TypeError(
        `Invalid attribute key ${JSON.stringify(key)}: expected a non-empty string`,
      );
    }
    const id = ++this.#nextId;
    this.#subs.set(id, { key, callback });
    return id;
  }

  /** Removes a subscription; false when the id is unknown. */
  remove(id: number): boolean {
    return this.#subs.delete(id);
  }

  /**
   * Calls the callbacks an update concerns: all-keys subscribers get the whole
   * update, key subscribers only their key. Throwing callbacks are reported
   * through `onError` and do not stop the others.
   */
  dispatch(update: AttributeUpdate, onError: (error: unknown) => void): void {
    for (const { key, callback } of [...this.#subs.values()]) {
      let part = update;
      if (key !== undefined) {
        const changed = Object.hasOwn(update.values, key);
        const deleted = update.deleted.includes(key);
        if (!changed && !deleted) continue;
        part = {
          values: changed ? { [key]: update.values[key] } : {},
          deleted: deleted ? [key] : [],
        };
      }
      try {
        callback(part);
      } catch (error) {
        onError(error);
      }
    }
  }
}
