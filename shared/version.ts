/**
 * The Postern release (semver), in this one place: reported by every program's `--version`, sent in
 * agents' enrollment, renewal and heartbeats, and listed by the admin API as
 * each connector's `version`.
 * A change goes into CHANGELOG.md.
 */
export const VERSION = "0.2.0";
