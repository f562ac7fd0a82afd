import assert from "node:assert/strict";
import { type AnnounceTarget, DeviceAnnouncer } from "./device_announcer.ts";
import type { KnownDevice } from "./inventory.ts";

function device(uid: string): KnownDevice {
  return {
    uid,
    connectedUid: "HAT1",
    position: "a",
    hardwareVersion: [1, 0, 0],
    firmwareVersion: [2, 0, 1],
    deviceIdentifier: 2113,
    deviceName: "temperature_v2_bricklet",
    displayName: "Temperature Bricklet 2.0",
    lastSeen: 0,
  };
}

/** A target whose sends the test settles by hand; it records the most sends in flight. */
class HeldTarget implements AnnounceTarget {
  readonly sent: string[] = [];
  readonly open: PromiseWithResolvers<void>[] = [];
  maxOpen = 0;
  deviceArrived(d: KnownDevice): Promise<void> {
    return this.#hold(`+${d.uid}`);
  }
  deviceDeparted(d: KnownDevice): Promise<void> {
    return this.#hold(`-${d.uid}`);
  }
  /** Settles every open send, also those started meanwhile, until none is left. */
  async drain(outcome: "resolve" | "reject" = "resolve"): Promise<void> {
    while (this.open.length > 0) {
      const send = this.open.shift()!;
      if (outcome === "resolve") send.resolve();
      else send.reject(new Error("connection lost"));
      await send.promise.catch(() => {});
      await Promise.resolve();
    }
  }
  #hold(what: string): Promise<void> {
    this.sent.push(what);
    const send = Promise.withResolvers<void>();
    this.open.push(send);
    this.maxOpen = Math.max(this.maxOpen, this.open.length);
    return send.promise;
  }
}

Deno.test("announcer: 1,000 arrivals go out with at most maxInFlight sends open", async () => {
  const errors: unknown[] = [];
  const announcer = new DeviceAnnouncer({ maxInFlight: 8, onError: (e) => errors.push(e) });
  const target = new HeldTarget();
  for (let i = 0; i < 1000; i++) announcer.arrived(device(`D${i}`));
  assert.equal(target.sent.length, 0, "nothing is sent without a target");
  announcer.connected(target);
  assert.equal(announcer.inFlight, 8);
  await target.drain();
  await announcer.settled();
  assert.equal(target.maxOpen, 8);
  assert.equal(target.sent.length, 1000);
  assert.deepEqual(target.sent.slice(0, 3), ["+D0", "+D1", "+D2"], "in the order of events");
  assert.deepEqual(errors, []);
});

Deno.test("announcer: only a device's latest event is sent, in the order of the events", async () => {
  const announcer = new DeviceAnnouncer({ onError: () => assert.fail("no error expected") });
  announcer.arrived(device("A"));
  announcer.arrived(device("B"));
  announcer.departed(device("A"));
  announcer.arrived(device("B"));
  const target = new HeldTarget();
  announcer.connected(target);
  await target.drain();
  await announcer.settled();
  assert.deepEqual(target.sent, ["-A", "+B"]);
});

Deno.test("announcer: sends lost with their session go to the next one", async () => {
  const errors: unknown[] = [];
  const announcer = new DeviceAnnouncer({ maxInFlight: 2, onError: (e) => errors.push(e) });
  const first = new HeldTarget();
  announcer.connected(first);
  announcer.arrived(device("A"));
  announcer.arrived(device("B"));
  announcer.arrived(device("C"));
  announcer.disconnected();
  await first.drain("reject");
  assert.deepEqual(first.sent, ["+A", "+B"], "C waited for a free slot, then for a target");
  assert.equal(announcer.pending, 3);
  announcer.departed(device("B"));
  const second = new HeldTarget();
  announcer.connected(second);
  await second.drain();
  await announcer.settled();
  assert.deepEqual(second.sent.toSorted(), ["+A", "+C", "-B"], "B's departure replaced it");
  assert.deepEqual(errors, [], "a lost session is not an error");
});

Deno.test("announcer: a send refused while connected is reported once, not retried", async () => {
  const errors: string[] = [];
  const announcer = new DeviceAnnouncer({ onError: (e) => errors.push((e as Error).message) });
  const target = new HeldTarget();
  announcer.connected(target);
  announcer.arrived(device("A"));
  await target.drain("reject");
  await announcer.settled();
  assert.deepEqual(errors, ["connection lost"]);
  assert.deepEqual(target.sent, ["+A"]);
  assert.equal(announcer.pending, 0);
});
