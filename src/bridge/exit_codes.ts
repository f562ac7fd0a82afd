/**
 * Process exit codes of the reference `tinkerforge_mqtt`, which tfedge keeps
 * so that service supervision and scripts see the same results.
 *
 * @module
 */

/** Command line error (argparse). */
export const EXIT_USAGE = 2;
/** Fatal socket error. */
export const EXIT_SOCKET_ERROR = 23;
/** Other fatal error, e.g. a negative `--ipcon-timeout` (CRITICAL `timeout cannot be negative`). */
export const EXIT_OTHER_ERROR = 24;
/** Brick Daemon authentication failed (CRITICAL `Could not authenticate.`). */
export const EXIT_AUTHENTICATION = 26;
/** Setting up the broker connection failed (`Connecting to MQTT broker failed: <e>`). */
export const EXIT_BROKER_SETUP = 30;
/** `--init-file` unreadable, not JSON, or with an invalid topic. */
export const EXIT_INIT_FILE = 31;
/** `--cmdline-file` unreadable or not splittable. */
export const EXIT_CMDLINE_FILE = 32;
/** `--global-topic-prefix` with a wildcard or a leading `$`. */
export const EXIT_INVALID_PREFIX = 33;
/** An IP connection error code `e` (negative) reaching the top exits with `200 - e`. */
export const IPCON_ERROR_EXIT_OFFSET = 200;
