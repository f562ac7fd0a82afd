/**
 * Announces devices to ThingsBoard (identity attributes when one arrives, a departed mark when
 * it leaves) with a bounded number of sends in flight.
 *
 * Why a lane of its own: an enumeration of hundreds of Bricklets, or a reconnect that announces
 * every known device again, would otherwise hand the ThingsBoard client one message per device
 * at once; its send queue is bounded (1,000 messages), so a large stack would lose
 * announcements to `queue_full`. Only the latest event of a device is kept: a device that comes
 * and goes while ThingsBoard is away costs one message, and its departure is still told.
 *
 * @module
 */

import type { KnownDevice } from "./inventory.ts";

/** Where announcements go: the cloud mode of the current session. */
export interface AnnounceTarget {
  deviceArrived(device: KnownDevice): Promise<void>;
  deviceDeparted(device: KnownDevice): Promise<void>;
}

interface Announcement {
  readonly kind: "arrived" | "departed";
  readonly device: KnownDevice;
}

/** Options of a {@link DeviceAnnouncer}. */
export interface DeviceAnnouncerOptions {
  /** Sends in flight at most (default 32) */
  readonly maxInFlight?: number;
  /** A send that failed while the target was still current (it is not retried) */
  readonly onError: (error: unknown) => void;
}

/** Sends device announcements to the current target, a bounded number at a time. */
export class DeviceAnnouncer {
  readonly #pending = new Map<string, Announcement>();
  readonly #maxInFlight: number;
  readonly #onError: (error: unknown) => void;
  #target: AnnounceTarget | undefined;
  #inFlight = 0;
  #idle = Promise.withResolvers<void>();

  constructor(options: DeviceAnnouncerOptions) {
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 32);
    this.#onError = options.onError;
    this.#idle.resolve();
  }

  /** Announcements waiting for a target or a free slot */
  get pending(): number {
    return this.#pending.size;
  }

  /** Sends in flight */
  get inFlight(): number {
    return this.#inFlight;
  }

  arrived(device: KnownDevice): void {
    this.#put({ kind: "arrived", device });
  }

  departed(device: KnownDevice): void {
    this.#put({ kind: "departed", device });
  }

  /** Announcements go to `target` from now on. */
  connected(target: AnnounceTarget): void {
    this.#target = target;
    this.#pump();
  }

  /** No target until the next {@link connected}; failed sends of the old one wait for it. */
  disconnected(): void {
    this.#target = undefined;
  }

  /** Resolves when nothing is pending (with a target) or in flight. */
  async settled(): Promise<void> {
    while (this.#inFlight > 0 || (this.#pending.size > 0 && this.#target !== undefined)) {
      await this.#idle.promise;
    }
  }

  #put(announcement: Announcement): void {
    // Re-inserting moves the device to the back: announcements go out in the order of events.
    this.#pending.delete(announcement.device.uid);
    this.#pending.set(announcement.device.uid, announcement);
    this.#pump();
  }

  #pump(): void {
    const target = this.#target;
    while (target !== undefined && this.#inFlight < this.#maxInFlight && this.#pending.size > 0) {
      const [uid, announcement] = this.#pending.entries().next().value!;
      this.#pending.delete(uid);
      if (this.#inFlight++ === 0) this.#idle = Promise.withResolvers<void>();
      const send = announcement.kind === "arrived"
        ? target.deviceArrived(announcement.device)
        : target.deviceDeparted(announcement.device);
      send.catch((error) => {
        if (this.#target === target) this.#onError(error);
        // Lost with its session: tell the next one, unless a newer event replaced it.
        else if (!this.#pending.has(uid)) this.#pending.set(uid, announcement);
      }).finally(() => {
        if (--this.#inFlight === 0) this.#idle.resolve();
        this.#pump();
      });
    }
  }
}
