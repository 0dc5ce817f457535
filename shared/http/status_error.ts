/**
 * An error that carries the HTTP status it stands for: what the admin API answers with, and what
 * its clients raise on an error answer.
 * @module
 */

/** An error with an HTTP `status`; the message is the text for the `error` field. */
export class StatusError extends Error {
  override name = "StatusError";
  /** The HTTP status. */
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
