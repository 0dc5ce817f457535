/**
 * Translates what TLS stacks say about a refused peer (OpenSSL words from Node, rustls words
 * from Deno, grpc-js wrappers around either) into the typed refusals and messages of the
 * interface, so operators can grep `docs/failure-modes.md` for them. This is the one place that reads
 * a runtime's error text: the runtime gives nothing else to go by.
 * @module
 */
import { PeerVerificationError, type RefusalReason } from "../pki/refusal.ts";

const RULES: ReadonlyArray<[RegExp, RefusalReason, string]> = [
  [
    /UnknownIssuer|unable to get (local )?issuer|self[- ]signed certificate|unknown ?ca|BadSignature|certificate verify failed|unable to verify the first certificate|signed by unknown authority/i,
    "unknown_authority",
    "x509: certificate signed by unknown authority",
  ],
  [
    /NoCertificatesPresented|peer sent no certificates?|did not return a certificate|certificate required|CertificateRequired/i,
    "no_certificate",
    "x509: certificate signed by unknown authority (peer sent no certificate)",
  ],
  [
    /CertExpired|certificate has expired|CertNotValidYet|not yet valid/i,
    "expired",
    "x509: certificate has expired or is not yet valid",
  ],
];

/**
 * The typed refusal a runtime's TLS error message stands for, with the contract's text (and
 * the runtime's words in parentheses), or undefined when it is not a refused certificate.
 */
export function tlsRefusal(message: string): PeerVerificationError | undefined {
  for (const [pattern, reason, contract] of RULES) {
    if (!pattern.test(message)) continue;
    return new PeerVerificationError(
      reason,
      message.includes(contract) ? message : `${contract} (${message})`,
    );
  }
  return undefined;
}

/** The contract's message for a runtime's TLS error; unknown messages come back as they were. */
export function explainTlsError(message: string): string {
  return tlsRefusal(message)?.message ?? message;
}

/** A gRPC error as one line, TLS failures mapped to the contract's messages. */
export function describeGrpcError(err: unknown): string {
  const details = (err as { details?: string } | undefined)?.details ?? (err as Error)?.message ??
    String(err);
  return explainTlsError(details);
}
