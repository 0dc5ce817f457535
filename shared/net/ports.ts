/**
 * The default ports of Postern's listeners, one place for each: the connector's listener, the
 * admin CLI's `tunnelers show` and the UI's install snippet all name the same one.
 * @module
 */

/** The port a connector listens on for tunnelers when CONNECTOR_LISTEN_ADDR gives none (`:9443`). */
export const DEFAULT_CONNECTOR_PORT = 9443;
