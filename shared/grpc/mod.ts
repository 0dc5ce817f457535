export * from "./svid_source.ts";
export * from "./credentials.ts";
export * from "./peer.ts";
export * from "./tls_errors.ts";
