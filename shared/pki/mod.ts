/**
 * Postern's PKI: SPIFFE IDs, trust domains, ECDSA P-256 keys, CSRs, the internal CA,
 * trust bundles, SVID verification and authorizers, on WebCrypto via @peculiar/x509.
 * @module
 */
export * from "./trust_domain.ts";
export * from "./spiffe_id.ts";
export * from "./pem.ts";
export * from "./keys.ts";
export * from "./csr.ts";
export * from "./ca.ts";
export * from "./issue.ts";
export * from "./bundle.ts";
export * from "./refusal.ts";
export * from "./verify.ts";
export * from "./authorize.ts";
export * from "./svid.ts";
export * from "./ecdsa_offload.ts";
export { x509 } from "./_crypto.ts";
