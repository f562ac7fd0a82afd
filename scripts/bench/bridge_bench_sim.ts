/**
 * The simulated brickd of the bridge benchmark, in a process of its own: N
 * RGB LED Button Bricklets (`--devices`, default 6) on a free port.
 *
 * Protocol: one JSON object per stdout line. First
 * `{"event": "ready", "port": ..., "uids": [...]}`; then these stdin commands:
 * `flood <rate>` fires `button_state_changed` callbacks round-robin over the
 * devices at `rate` per second (0: as fast as this process can), `stop` ends
 * the flood, `sample` prints `{"event": "sample", "fired": n}`, and `quit`
 * (or the end of stdin) stops the simulator.
 *
 * @module
 */

import { startSimulatedBrickd } from "../../src/sim/brickd.ts";

const UIDS = ["Ba", "Bb", "Bc", "Bd", "Be", "Bf", "Bg", "Bh", "Bi", "Bj"];
/** Events fired per macrotask at most, so the socket gets its turn. */
const MAX_BATCH = 500;

function option(name: string, fallback: number): number {
  const index = Deno.args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(Deno.args[index + 1]);
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`--${name} must be a non-negative integer, got "${Deno.args[index + 1]}"`);
  }
  return value;
}

function emit(record: Record<string, unknown>): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(record) + "\n"));
}

const uids = UIDS.slice(0, Math.min(option("devices", 6), UIDS.length));
const brickd = await startSimulatedBrickd({
  devices: uids.map((uid, i) => ({
    type: "rgb_led_button_bricklet",
    uid,
    position: "abcdefgh"[i % 8],
    values: { get_color: { red: 1, green: 2, blue: 3 } },
  })),
  seed: 1,
});

let fired = 0;
let flooding: object | undefined;

/** Fires callbacks until {@link flooding} changes: at `rate`/s, or flat out when 0. */
async function flood(rate: number): Promise<void> {
  const token = {};
  flooding = token;
  const start = performance.now();
  const firedAtStart = fired;
  while (flooding === token) {
    const due = rate > 0
      ? Math.floor(((performance.now() - start) / 1000) * rate) - (fired - firedAtStart)
      : MAX_BATCH;
    for (let i = 0; i < Math.min(due, MAX_BATCH); i++) {
      brickd.fireCallback(uids[fired % uids.length], "button_state_changed", { state: fired & 1 });
      fired++;
    }
    // A macrotask boundary, so the socket writes make progress.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

emit({ event: "ready", port: brickd.port, uids });
let buffered = "";
let floodDone: Promise<void> = Promise.resolve();
commands: for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  buffered += chunk;
  let newline: number;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const [command, argument] = buffered.slice(0, newline).trim().split(/\s+/);
    buffered = buffered.slice(newline + 1);
    if (command === "flood" || command === "stop") {
      flooding = undefined;
      await floodDone;
      if (command === "flood") floodDone = flood(Number(argument ?? 0));
    } else if (command === "sample") {
      emit({ event: "sample", fired });
    } else if (command === "quit") {
      break commands;
    }
  }
}
flooding = undefined;
await floodDone;
await brickd.stop();
