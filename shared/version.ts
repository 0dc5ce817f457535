/** The Postern release, reported by `--version`, heartbeats and the admin API. */
export const VERSION = "0.1.0";
