/**
 * A raw gRPC call for the tests of this folder: the servers under test answer Enroll-shaped
 * requests with an EnrollResponse whose SVID's spiffeId carries what the test checks.
 * @module
 */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { EnrollmentService } from "../proto/gen/postern/v1/enrollment_pb.ts";
import { channelOptions } from "./credentials.ts";

/** The method path of Enroll. */
export const ENROLL_PATH = "/postern.v1.Enrollment/Enroll";

/**
 * One unary call of `path` to 127.0.0.1:`port` with an empty request; resolves with the
 * response's `svid.spiffeId`, rejects with the gRPC error. The channel is closed afterwards.
 */
export function callForSpiffeId(
  port: number,
  creds: grpc.ChannelCredentials,
  path = ENROLL_PATH,
): Promise<string> {
  const Client = grpc.makeGenericClientConstructor({}, "Enrollment");
  const client = new Client(`127.0.0.1:${port}`, creds, channelOptions());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      () => Buffer.alloc(0),
      (b: Buffer) => b,
      {},
      { deadline: Date.now() + 5_000 },
      (err: grpc.ServiceError | null, value?: Buffer) => {
        client.close();
        if (err) return reject(err);
        resolve(EnrollmentService.enroll.responseDeserialize(value!).svid!.spiffeId);
      },
    );
  });
}
