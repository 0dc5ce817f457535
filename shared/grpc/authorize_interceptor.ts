/**
 * A grpc-js server interceptor that authorises each RPC by the caller's SPIFFE role before any
 * handler runs, deny by default: every method of the server must have a policy. Methods open to
 * callers without a certificate (Enroll) say so explicitly.
 *
 * It reads the role from the certificate's SPIFFE ID; the chain, trust domain and expiry are
 * verified by the handler with `verifySvid` (Renew accepts an expired certificate within the
 * grace period, which TLS would hide), so a refusal here never replaces the handler's own
 * check, it only stops a wrong role from reaching it.
 * @module
 */
import {
  Metadata,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status,
} from "@grpc/grpc-js";
import { authorizeRole } from "../pki/authorize.ts";
import type { Role } from "../pki/spiffe_id.ts";
import { parseCertificate } from "../pki/verify.ts";
import { spiffeIdOf } from "../pki/san.ts";
import { interceptedCertificateDer } from "./peer.ts";
import { callerAddress } from "./caller_address.ts";

/** Who may call one method. */
export type MethodPolicy =
  | { anyone: true }
  | {
    roles: readonly Role[];
    /** The UNAUTHENTICATED message for a caller without a certificate. */
    missingCertificate: string;
  };

/** A refusal, for the caller's audit trail and metrics. */
export interface InterceptorRefusal {
  method: string;
  code: status;
  message: string;
  /** The SPIFFE ID the caller presented, when it presented one (unverified: a claim). */
  spiffeId?: string;
  /** The caller's IP address, when known (per-source refusal limits). */
  source?: string;
}

/**
 * Builds the interceptor. `policies` maps full method paths ("/postern.v1.Enrollment/Renew")
 * to their policy; a method without one is refused with PERMISSION_DENIED.
 */
export function roleInterceptor(
  policies: Readonly<Record<string, MethodPolicy>>,
  onRefused: (refusal: InterceptorRefusal) => void = () => {},
): ServerInterceptor {
  return (method, call) => {
    const refusal = decide(method.path, policies[method.path], call);
    if (!refusal) return new ServerInterceptingCall(call);
    const source = callerAddress(call);
    onRefused(source === undefined ? refusal : { ...refusal, source });
    return new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: () => {
            call.sendStatus({ code: refusal.code, details: refusal.message, metadata: new Metadata() });
          },
          onReceiveMessage: () => {},
          onReceiveHalfClose: () => {},
          onCancel: () => {},
        });
      },
    });
  };
}

function decide(
  path: string,
  policy: MethodPolicy | undefined,
  call: ServerInterceptingCallInterface,
): InterceptorRefusal | undefined {
  if (!policy) {
    return { method: path, code: status.PERMISSION_DENIED, message: `method not allowed: ${path}` };
  }
  if ("anyone" in policy) return undefined;
  const der = interceptedCertificateDer(call);
  if (!der) return { method: path, code: status.UNAUTHENTICATED, message: policy.missingCertificate };
  let spiffeId;
  try {
    spiffeId = spiffeIdOf(parseCertificate(der));
  } catch (e) {
    return {
      method: path,
      code: status.UNAUTHENTICATED,
      message: `certificate has no valid SPIFFE ID: ${(e as Error).message}`,
    };
  }
  try {
    authorizeRole(...policy.roles)(spiffeId);
  } catch (e) {
    return {
      method: path,
      code: status.PERMISSION_DENIED,
      message: (e as Error).message,
      spiffeId: spiffeId.uri,
    };
  }
  return undefined;
}
