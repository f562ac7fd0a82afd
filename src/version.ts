/** tfedge's version, printed by `--version` and reported to ThingsBoard. */
export const VERSION = "0.1.0";
