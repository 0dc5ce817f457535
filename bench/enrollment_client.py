#!/usr/bin/env python3
"""Load client of bench/enrollment.ts on gRPC's C core (python3-grpcio): cheaper per call than
grpc-js in Deno, so that on a machine whose cores the controller shares with its load, the
figure describes the controller more than the client.

Reads one JSON line on stdin: {"addr": "127.0.0.1:PORT", "ca_pem": "...", "concurrency": 16,
"requests": [{"token", "id", "role", "csr_pem"}, ...]}, connects (TLS handshake included), prints
"ready", waits for a "go" line, then makes the calls and prints one JSON line: {"latencies_ms":
[...], "failed": N, "first_error": "...", "seconds": S, "cpu_seconds": its own CPU over the run}. Verifies the controller by the bundle and the
IP SAN of the address (the C core does not check the SPIFFE ID: a bench, not an agent).
"""
import json
import sys
import threading
import time

import grpc


def field(number, text):
    data = text.encode()
    n = len(data)
    out = bytearray([(number << 3) | 2])
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            break
    return bytes(out) + data


def enroll_request(r):
    """postern.v1.EnrollRequest: token 1, role 2, id 3, csr_pem 4, private_ip 5, version 6."""
    return field(1, r["token"]) + field(2, r["role"]) + field(3, r["id"]) + field(4, r["csr_pem"]) + field(6, "bench")


def main():
    job = json.loads(sys.stdin.readline())
    channel = grpc.secure_channel(job["addr"], grpc.ssl_channel_credentials(root_certificates=job["ca_pem"].encode()))
    grpc.channel_ready_future(channel).result(timeout=10)
    enroll = channel.unary_unary("/postern.v1.Enrollment/Enroll")
    bodies = [enroll_request(r) for r in job["requests"]]
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        sys.exit("enrollment_client.py: expected go")
    lock = threading.Lock()
    done = threading.Event()
    state = {"next": 0, "open": 0, "failed": 0, "first_error": None}
    latencies = []

    def start():
        # With the lock held.
        i = state["next"]
        if i >= len(bodies):
            if state["open"] == 0:
                done.set()
            return
        state["next"] = i + 1
        state["open"] += 1
        t = time.perf_counter()
        future = enroll.future(bodies[i], timeout=30)
        future.add_done_callback(lambda f: finished(f, t))

    def finished(f, t):
        ms = (time.perf_counter() - t) * 1000
        error = f.exception()
        with lock:
            state["open"] -= 1
            if error is None:
                latencies.append(ms)
            else:
                state["failed"] += 1
                if state["first_error"] is None:
                    state["first_error"] = f"{error.code().name}: {error.details()}"
            start()

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    with lock:
        for _ in range(max(1, job["concurrency"])):
            start()
    done.wait()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    channel.close()
    out = {"latencies_ms": latencies, "failed": state["failed"], "seconds": seconds, "cpu_seconds": cpu}
    if state["first_error"] is not None:
        out["first_error"] = state["first_error"]
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
