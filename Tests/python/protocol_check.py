"""A client written from docs/PROTOCOL.md alone, checked against the real services.

Usage: python3 protocol_check.py SERVICE=ENDPOINT...
For each service: `status` must answer with that service's name, protocol LDN/1 and
the echoed request id; a malformed request must get a structured bad_frame error;
and a body that is not JSON must get bad_json. Exits 1 on the first failure.
"""
import json
import sys
import uuid

import zmq


def request(endpoint, msg_type, body=None, attachments=(), timeout_ms=5000, retries=2):
    """Send one request; resend with the same id on timeout (Lazy Pirate)."""
    request_id = str(uuid.uuid4())
    frames = [b"", b"LDN/1", msg_type.encode(), request_id.encode(),
              json.dumps(body or {}).encode()] + [json.dumps(a).encode() for a in attachments]
    ctx = zmq.Context.instance()
    for attempt in range(retries + 1):
        sock = ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
        sock.send_multipart(frames)
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        deadline_ms = timeout_ms
        while deadline_ms > 0 and poller.poll(deadline_ms):
            reply = sock.recv_multipart()
            empty, version, rtype, rid, outcome, rbody, *rattach = reply
            if rid.decode() != request_id:
                continue                      # a late reply to an earlier attempt
            sock.close()
            result = json.loads(rbody)
            if outcome == b"error":
                raise RuntimeError(f"{result['code']}: {result['message']}")
            return result, [json.loads(a) for a in rattach]
        sock.close()
    raise TimeoutError(f"no answer from {endpoint}")


def raw(endpoint, frames, timeout_ms=5000):
    """Send frames as they are and return the reply's frames."""
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RCVTIMEO, timeout_ms)
    sock.connect(endpoint)
    sock.send_multipart(frames)
    try:
        return sock.recv_multipart()
    finally:
        sock.close()


def check(condition, message):
    if not condition:
        print("FAIL:", message)
        sys.exit(1)


def check_intake(ingest, store):
    """submit one valid and one invalid record, then get the valid one back from the store."""
    record = {"title": "Low-dose naltrexone therapy improves active Crohn's disease.", "year": 2007,
              "authors": ["Smith JP"], "identifiers": {"pmid": "17222320"}, "conditions": ["Crohn disease"],
              "design": "open-label", "participants": 17, "dose_mg": 4.5}
    invalid = {"title": "x", "year": 2007, "conditions": ["ms"], "design": "rct", "dose_mg": 500}
    reply, _ = request(ingest, "submit", {"submitter": "protocol_check.py"}, [record, invalid])
    outcomes = [r["outcome"] for r in reply["results"]]
    check(outcomes[0] in ("accepted", "duplicate") and outcomes[1] == "rejected", f"submit outcomes {outcomes}")
    check(reply["results"][1]["errors"][0]["field"] == "dose_mg", f"rejection names the field: {reply}")
    found, attachments = request(store, "get", {"pmid": "17222320"})
    check(found["current"]["key"] == "pmid:17222320", f"get header {found}")
    check(attachments[0]["conditions"] == ["crohns"], f"stored record is normalised: {attachments[0]}")
    print("ok intake: submit, then get by PMID")


def main(pairs):
    endpoints = dict(pair.split("=", 1) for pair in pairs)
    for pair in pairs:
        service, endpoint = pair.split("=", 1)
        status, _ = request(endpoint, "status")
        check(status["service"] == service, f"{endpoint} answered as {status['service']}, expected {service}")
        check(status["protocol"] == "LDN/1", f"{service}: protocol {status['protocol']}")
        check(status["uptime_seconds"] >= 0 and status["version"], f"{service}: incomplete status {status}")

        reply = raw(endpoint, [b"", b"LDN/1", b"status"])
        check(reply[4] == b"error", f"{service}: malformed request was not an error: {reply}")
        error = json.loads(reply[5])
        check(error["code"] == "bad_frame" and error["message"] and error["details"] == [],
              f"{service}: expected a bad_frame error, got {error}")

        reply = raw(endpoint, [b"", b"LDN/1", b"status", b"bad-body", b"{not json"])
        check(reply[3] == b"bad-body", f"{service}: request id not echoed: {reply}")
        check(json.loads(reply[5])["code"] == "bad_json", f"{service}: expected bad_json, got {reply[5]}")
        print(f"ok {service} {status['version']} at {endpoint}")
    if "ingest" in endpoints and "evidence-store" in endpoints:
        check_intake(endpoints["ingest"], endpoints["evidence-store"])


if __name__ == "__main__":
    main(sys.argv[1:])
