/**
 * Waiting for things in tests: always for an event, always with a deadline,
 * so a broken implementation fails with a message instead of hanging.
 *
 * @module
 */
import type { TypedEmitter } from "../../src/util/typed_emitter.ts";

/** The event map of an emitter type. */
type EventsOf<T> = T extends { eventMap?: infer E } ? NonNullable<E> : never;

/** Resolves like `promise`, or rejects with "No <what> within <ms> ms". */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`No ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the arguments of the next `event` of `emitter`, or rejects after `ms`. */
// deno-lint-ignore no-explicit-any
export function nextEvent<T extends TypedEmitter<any>, K extends keyof EventsOf<T>>(
  emitter: T,
  event: K,
  ms = 5000,
): Promise<EventsOf<T>[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`No "${String(event)}" event within ${ms} ms`));
    }, ms);
    const off = (emitter as unknown as TypedEmitter<EventsOf<T>>).once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}
