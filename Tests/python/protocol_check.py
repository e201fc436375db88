"""A client written from docs/PROTOCOL.md alone, checked against the real services.

Usage: python3 protocol_check.py SERVICE=ENDPOINT...
For each service: `status` must answer with that service's name, protocol LDN/1 and
the echoed request id; a malformed request must get a structured bad_frame error;
a body that is not JSON must get bad_json; a field status does not have must be
refused. With ingest, store, query and notifier: the rules of PROTOCOL.md sections 2.1,
4.8-4.15 and 6 that a client relies on (see `check_contract`). Exits 1 on the first failure.
"""
import json
import sys
import time
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


def call(endpoint, msg_type, body=None, attachments=()):
    """One request; returns (ok, body, attachments) instead of raising on an error reply."""
    request_id = str(uuid.uuid4())
    frames = [b"", b"LDN/1", msg_type.encode(), request_id.encode(), json.dumps(body or {}).encode()]
    reply = raw(endpoint, frames + [json.dumps(a).encode() for a in attachments])
    check(reply[3].decode() == request_id, f"{msg_type}: reply to another request: {reply[:4]}")
    return reply[4] == b"ok", json.loads(reply[5]), [json.loads(a) for a in reply[6:]]


def expect_error(endpoint, msg_type, body, code, field=None):
    """The request must be answered with error `code`, naming `field` in details when given."""
    ok, error, _ = call(endpoint, msg_type, body)
    check(not ok and error["code"] == code, f"{msg_type} {body}: expected {code}, got {error}")
    if field is not None:
        fields = [d.get("field") for d in error["details"]]
        check(field in fields, f"{msg_type} {body}: details should name {field}: {error}")
    return error


def wait_until(fetch, done, what, timeout_s=10):
    """Fetches until `done` holds (a replica applies changes a moment after the store commits)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = fetch()
        if done(value):
            return value
        check(time.monotonic() < deadline, f"timed out waiting until {what}: {value}")
        time.sleep(0.05)


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


def synthetic(n, **fields):
    """A SYNTHETIC record (not a real study), with a DOI under the 10.5555 test prefix."""
    record = {"title": f"SYNTHETIC protocol check record {n}", "year": 2020,
              "identifiers": {"doi": f"10.5555/protocol-check.{n}"}, "conditions": ["fibromyalgia"],
              "design": "rct", "summary": "SYNTHETIC: generated by protocol_check.py; zyxwords marker."}
    record.update(fields)
    return record


def check_contract(ingest, store, query, notifier):
    """Rules of PROTOCOL.md a client written from it relies on."""
    # 2.1: unknown fields are refused at every depth, in every message; integers are never rounded.
    expect_error(query, "query", {"filter": {"condtion": "crohns"}}, "invalid_request", "filter.condtion")
    expect_error(notifier, "watch.add", {"name": "w-typo", "filter": {"condtion": "crohns"}}, "invalid_request",
                 "filter.condtion")
    expect_error(notifier, "watch.list", {"verbose": True}, "invalid_request", "verbose")
    expect_error(store, "changes", {"after": 1e19}, "invalid_request", "after")
    expect_error(query, "query", {"filter": {}, "limit": 2.5}, "invalid_request", "limit")
    expect_error(ingest, "submit", {"provenance": [{"record_number": 1e300}]}, "invalid_request")

    # 4.8: conditions match whole words; an unknown one is not_found with suggestions, or every code.
    for name in ("crohnz", "xcrohnx"):
        error = expect_error(query, "query", {"filter": {"condition": name}}, "not_found")
        check("crohns" in [d["message"] for d in error["details"]], f"{name}: crohns suggested: {error}")
    error = expect_error(query, "summary", {"condition": "cancer"}, "not_found")
    check(error["details"] == [] and "me-cfs" in error["message"], f"cancer: no suggestion, every code listed: {error}")
    expect_error(query, "query", {"filter": {"min_participants": -1}}, "invalid_request", "min_participants")

    # 6: mistyped record fields and near misses are rejected, each with its path.
    bad = [synthetic(90, authors="A"), synthetic(91, conditions="me-cfs"), synthetic(92, adverse_events="x"),
           synthetic(93, identifiers={"pmid": 12345678}), synthetic(94, conditions=["fibromyalga"]),
           synthetic(95, year=1e19)]
    reply, _ = request(ingest, "submit", {}, bad)
    expected = ["authors", "conditions", "adverse_events", "identifiers.pmid", "conditions[0]", "year"]
    for result, field in zip(reply["results"], expected):
        check(result["outcome"] == "rejected" and field in [e["field"] for e in result["errors"]],
              f"a record with a wrong {field} is rejected naming it: {result}")

    # 4.8 sort: certainty, then newest, then record id (highest first); 4.9 search: 10 hits by default.
    records = [synthetic(n, year=2020 + n % 2, certainty="moderate") for n in range(1, 13)]
    request(ingest, "submit", {"submitter": "protocol_check.py"}, records)
    marked = {"filter": {"text": "zyxwords"}, "sort": "certainty", "limit": 50}
    page = wait_until(lambda: request(query, "query", marked)[0], lambda p: p["total"] == 12, "the replica has the 12 records")
    newest_first = sorted(page["hits"], key=lambda hit: (-hit["record"]["year"], -hit["id"]))
    check([hit["id"] for hit in page["hits"]] == [hit["id"] for hit in newest_first],
          f"certainty ties are broken by year, then record id: {[hit['id'] for hit in page['hits']]}")
    found, _ = request(query, "search", {"text": "zyxwords"})
    check(len(found["hits"]) == 10 and found["total"] == 12, f"search returns 10 hits by default: {found['total']}")

    # 4.6: snapshot pages hold 1 to 5000 records.
    expect_error(store, "snapshot", {"after_id": 0, "limit": 5001}, "invalid_request")
    expect_error(store, "snapshot", {"after_id": 0, "limit": 0}, "invalid_request")

    # 4.11-4.15: the filter comes back as resolved; a taken name is invalid_request; replies list the watch.
    added, _ = request(notifier, "watch.add", {"name": "pc-watch", "filter": {"condition": "Multiple Sclerosis"}})
    check(added["watch"]["filter"] == {"condition": "ms"}, f"watch.add echoes the resolved filter: {added}")
    expect_error(notifier, "watch.add", {"name": "pc-watch", "filter": {}}, "invalid_request")
    for msg_type, body in (("watch.replay", {"name": "pc-watch", "from": 1}), ("watch.resume", {"name": "pc-watch"}),
                           ("watch.remove", {"name": "pc-watch"})):
        reply, _ = request(notifier, msg_type, body)
        check([w["name"] for w in reply["watches"]] == ["pc-watch"] and reply["dead_letters"] == []
              and "store_head" in reply, f"{msg_type} reply lists the watch: {reply}")
    expect_error(notifier, "watch.remove", {"name": "pc-watch"}, "not_found")
    # 4.11: a synthesis watch: its question comes back resolved, with the method in effect; no filter,
    # figures once it has read the log; a filter and a synthesis together are refused, as is an unknown outcome.
    question = {"condition": "Fibromyalgia", "outcome": "pain intensity"}
    added, _ = request(notifier, "watch.add", {"name": "pc-synthesis", "synthesis": question})
    check(added["watch"]["synthesis"] == {"condition": "fibromyalgia", "outcome": "pain", "method": "reml", "hartung_knapp": False}
          and "filter" not in added["watch"], f"watch.add echoes the resolved question: {added}")
    listed = wait_until(lambda: request(notifier, "watch.list", {})[0], lambda l: "headline" in l["watches"][0],
                        "the synthesis watch has its starting figures")
    check(isinstance(listed["watches"][0]["headline"]["k"], int), f"a synthesis watch lists its figures: {listed}")
    request(notifier, "watch.remove", {"name": "pc-synthesis"})
    expect_error(notifier, "watch.add", {"name": "pc-both", "filter": {}, "synthesis": question}, "invalid_request", "synthesis")
    expect_error(notifier, "watch.add", {"name": "pc-happy", "synthesis": {"condition": "ms", "outcome": "happiness"}},
                 "invalid_request", "synthesis.outcome")
    # 4.2, 5: a re-key is a change of its own and earlier changes keep their key; a record naming two
    # stored studies is a conflict; a request id names one submission.
    first, _ = request(ingest, "submit", {}, [synthetic(200, identifiers={"pmid": "999000200"})])
    first_seq = first["results"][0]["seq"]
    rekeyed, _ = request(ingest, "submit", {}, [synthetic(200, identifiers={"pmid": "999000200", "doi": "10.5555/protocol-check.200"})])
    check(rekeyed["results"][0]["outcome"] == "updated", f"the same study with a DOI added is an update: {rekeyed}")
    log, _ = request(store, "changes", {"after": first_seq - 1, "limit": 2})
    keys = [(change["key"], change.get("previous_key")) for change in log["changes"]]
    check(keys == [("pmid:999000200", None), ("doi:10.5555/protocol-check.200", "pmid:999000200")],
          f"the log keeps each change's key; the re-key names the key before: {keys}")
    request(ingest, "submit", {}, [synthetic(201, identifiers={"pmid": "999000201"})])
    clash, _ = request(ingest, "submit", {}, [synthetic(202, identifiers={"doi": "10.5555/protocol-check.200", "pmid": "999000201"})])
    check(clash["results"][0]["outcome"] == "conflict" and clash["conflict"] == 1, f"a DOI of one study and a PMID of another: {clash}")
    frames = [b"", b"LDN/1", b"submit", b"pc-reused-id", b"{}"]
    raw(ingest, frames + [json.dumps(synthetic(203)).encode()])
    reused = raw(ingest, frames + [json.dumps(synthetic(203, year=2021)).encode()])
    error = json.loads(reused[5])
    check(reused[4] == b"error" and error["code"] == "invalid_request" and "pc-reused-id" in error["message"],
          f"a request id reused for other content is refused, naming it: {error}")
    print("ok contract: unknown fields, integers, conditions, record types, sorting, search, snapshot, watches, history, conflicts, request ids")


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
        expect_error(endpoint, "status", {"verbose": True}, "invalid_request", "verbose")
        print(f"ok {service} {status['version']} at {endpoint}")
    if "ingest" in endpoints and "evidence-store" in endpoints:
        check_intake(endpoints["ingest"], endpoints["evidence-store"])
    if all(name in endpoints for name in ("ingest", "evidence-store", "query", "notifier")):
        check_contract(endpoints["ingest"], endpoints["evidence-store"], endpoints["query"], endpoints["notifier"])


if __name__ == "__main__":
    main(sys.argv[1:])
