#!/usr/bin/env python3
"""A client of a keyed LDN set written from docs/PROTOCOL.md and docs/SECURITY.md alone,
with pyzmq and the certificate files `ldn keys` writes (zmq.auth reads them as they are).

    curve_client.py --keys DIR --identity NAME --ingest tcp://… --query tcp://…

Submits one SYNTHETIC record through ingest, then queries for it; prints what came back.
"""
import argparse
import json
import os
import sys
import uuid

import zmq
import zmq.auth


def call(context, endpoint, server_key, public, secret, kind, body, attachments=()):
    socket = context.socket(zmq.REQ)
    socket.curve_serverkey = server_key
    socket.curve_publickey = public
    socket.curve_secretkey = secret
    socket.linger = 0
    socket.rcvtimeo = 10000
    socket.connect(endpoint)
    request_id = str(uuid.uuid4())
    socket.send_multipart([b"LDN/1", kind.encode(), request_id.encode(), json.dumps(body).encode(), *attachments])
    frames = socket.recv_multipart()
    socket.close()
    version, reply_type, reply_id, outcome, reply_body = frames[:5]
    assert version == b"LDN/1" and reply_type == kind.encode() and reply_id == request_id.encode(), frames[:3]
    answer = json.loads(reply_body)
    if outcome != b"ok":
        sys.exit(f"{kind} failed: {answer}")
    return answer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", required=True)
    parser.add_argument("--identity", required=True)
    parser.add_argument("--ingest", required=True)
    parser.add_argument("--query", required=True)
    options = parser.parse_args()

    public, secret = zmq.auth.load_certificate(os.path.join(options.keys, options.identity + ".key_secret"))
    ingest_key, _ = zmq.auth.load_certificate(os.path.join(options.keys, "ingest.key"))
    query_key, _ = zmq.auth.load_certificate(os.path.join(options.keys, "query.key"))
    context = zmq.Context()

    record = {"title": "SYNTHETIC record from the Python client", "year": 2022, "authors": ["Synthetic P"],
              "conditions": ["fibromyalgia"], "design": "cohort"}
    submitted = call(context, options.ingest, ingest_key, public, secret, "submit", {},
                     [json.dumps(record).encode()])
    accepted = sum(1 for result in submitted["results"] if result["outcome"] == "accepted")
    print(f"submitted: accepted {accepted}")

    # The replica applies the change moments later: ask until it has.
    for _ in range(100):
        answer = call(context, options.query, query_key, public, secret, "query",
                      {"filter": {"text": "Python client"}})
        if answer["total"] >= 1:
            break
    print(f"query: total {answer['total']} first {answer['hits'][0]['record']['title'] if answer['hits'] else '-'}")
    context.term()


if __name__ == "__main__":
    main()
