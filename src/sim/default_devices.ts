/**
 * The demo set: a Raspberry Pi HAT Brick with one Bricklet on each of its
 * ports A-H, as brickd on the Pi would report them (HAT at position 'i' with
 * connected_uid "0", Bricklets at their port letters, connected to the HAT).
 *
 * @module
 */

import type { DeviceConfig } from "./config.ts";

/** UID of the simulated HAT Brick. */
export const DEMO_HAT_UID = "HAT1";

const bricklet = (
  type: string,
  uid: string,
  position: string,
  values?: DeviceConfig["values"],
): DeviceConfig => ({
  type,
  uid,
  position,
  connected_uid: DEMO_HAT_UID,
  hardware_version: [1, 0, 0],
  firmware_version: [2, 0, 0],
  ...(values === undefined ? {} : { values }),
});

/** HAT Brick + temperature, humidity, light, air pressure, button, relay, RS232, LED strip. */
export const DEFAULT_DEVICES: readonly DeviceConfig[] = [
  {
    type: "hat_brick",
    uid: DEMO_HAT_UID,
    position: "i",
    connected_uid: "0",
    hardware_version: [1, 0, 0],
    firmware_version: [2, 0, 3],
  },
  bricklet("temperature_v2_bricklet", "Tmp", "a"),
  bricklet("humidity_v2_bricklet", "Hum", "b"),
  bricklet("ambient_light_v3_bricklet", "Lux", "c"),
  bricklet("barometer_v2_bricklet", "Baro", "d"),
  bricklet("rgb_led_button_bricklet", "Btn", "e", {
    get_color: { red: 0, green: 64, blue: 255 },
  }),
  bricklet("industrial_dual_relay_bricklet", "RLY", "f"),
  bricklet("rs232_v2_bricklet", "Ser", "g"),
  bricklet("led_strip_v2_bricklet", "Led", "h"),
];
