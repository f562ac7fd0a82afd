/**
 * A minimal typed event emitter.
 *
 * Listener exceptions are contained: one misbehaving listener must never
 * stop the delivery of a packet to the others or break the socket loop that
 * emitted it (the reference bindings lose their callback thread that way).
 *
 * @module
 */

/** Maps event names to the tuple of arguments their listeners receive. */
export type EventMap = Record<string, unknown[]>;

/** Called with the error a listener threw, plus the event name. */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

// Listeners of different events have different argument lists; the map stores them untyped.
// deno-lint-ignore no-explicit-any
type AnyListener = (...args: any[]) => void;

/** Typed emitter; `on` returns an unsubscribe function. */
export class TypedEmitter<Events extends EventMap> {
  /** Type-level only (never set): lets helpers name an emitter's event map. */
  declare readonly eventMap?: Events;
  #listeners = new Map<keyof Events, Set<AnyListener>>();
  #onListenerError: ListenerErrorHandler;

  constructor(onListenerError?: ListenerErrorHandler) {
    this.#onListenerError = onListenerError ??
      ((error, event) => console.error(`Listener for "${event}" failed:`, error));
  }

  /** Adds a listener; returns a function that removes it again. */
  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Adds a listener that is removed after its first call. */
  once<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    const off = this.on(event, (...args) => {
      off();
      listener(...args);
    });
    return off;
  }

  /** Removes a listener added with {@link on}. */
  off<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): void {
    this.#listeners.get(event)?.delete(listener);
  }

  /** Number of listeners of an event (lets hot paths skip work nobody listens to). */
  listenerCount<K extends keyof Events>(event: K): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Calls every listener of `event`; a throwing listener is reported, not propagated. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        this.#onListenerError(error, String(event));
      }
    }
  }

  /** Removes every listener. */
  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
