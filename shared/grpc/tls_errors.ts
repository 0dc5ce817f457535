/**
 * Translates what TLS stacks say about a refused peer (OpenSSL words from Node, rustls words
 * from Deno, grpc-js wrappers around either) into the messages of the contract, so operators
 * can grep `failure-modes.md` for them. Unknown messages come back as they were.
 */
export function explainTlsError(message: string): string {
  const rules: Array<[RegExp, string]> = [
    [
      /UnknownIssuer|unable to get (local )?issuer|self[- ]signed certificate|unknown ca|BadSignature|certificate verify failed|unable to verify the first certificate/i,
      "x509: certificate signed by unknown authority",
    ],
    [
      /CertExpired|certificate has expired|CertNotValidYet|not yet valid/i,
      "x509: certificate has expired or is not yet valid",
    ],
  ];
  for (const [pattern, contract] of rules) {
    if (pattern.test(message) && !message.includes(contract)) return `${contract} (${message})`;
  }
  return message;
}
