/**
 * The header the UI names its logged-in operator in when it calls the admin API. The controller
 * believes it only with the bootstrap ADMIN_AUTH_TOKEN and records the change as `ui:<operator>`
 * (controller/admin/auth.ts); with an API key it records the key's name whatever the header says.
 * @module
 */
export const ACTOR_HEADER = "x-postern-actor";
