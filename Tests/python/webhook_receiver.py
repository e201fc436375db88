"""A webhook receiver for the tests, written from docs/PROTOCOL.md: it checks each
delivery's signature the way the documentation tells receivers to, and records it.

Usage: python3 webhook_receiver.py --secret SECRET --log FILE [--port PORT] [--fail-first N] [--fail-status CODE]
                                  [--redirect-status CODE --redirect-to URL] [--tls-cert FILE --tls-key FILE]
Prints "listening <port>" once it accepts connections (on 127.0.0.1; a free port unless --port).
Each request, whatever its method, becomes one JSON line in FILE: method, path, Host,
headers, body, whether the signature verified, and the status answered. The first N
requests are answered with CODE (default 500); with --redirect-status, every request is
answered with that status and a Location of --redirect-to. With --tls-cert, it speaks HTTPS.
"""
import argparse
import hashlib
import hmac
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, headers, body: bytes, tolerance_s: int = 300) -> bool:
    """The verification snippet of docs/PROTOCOL.md."""
    timestamp = headers.get("X-LDN-Timestamp", "")
    signature = headers.get("X-LDN-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret", default="")
    parser.add_argument("--secret-file", default="")
    parser.add_argument("--log", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--fail-status", type=int, default=500)
    parser.add_argument("--redirect-status", type=int, default=0)
    parser.add_argument("--redirect-to", default="")
    parser.add_argument("--tls-cert", default="")
    parser.add_argument("--tls-key", default="")
    args = parser.parse_args()
    lock = threading.Lock()
    state = {"seen": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.record()

        do_GET = do_HEAD = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_POST

        def record(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            secret = args.secret
            if args.secret_file:
                try:
                    secret = open(args.secret_file).read().strip()
                except OSError:
                    secret = ""
            with lock:
                state["seen"] += 1
                status = args.fail_status if state["seen"] <= args.fail_first else 200
                if args.redirect_status:
                    status = args.redirect_status
                try:
                    parsed = json.loads(body or b"null")
                except ValueError:
                    parsed = None
                entry = {"method": self.command, "path": self.path, "host": self.headers.get("Host", ""),
                         "headers": {k: v for k, v in self.headers.items() if k.lower().startswith("x-ldn")},
                         "body": parsed, "signature_ok": verify(secret, self.headers, body),
                         "status": status}
                with open(args.log, "a") as log:
                    log.write(json.dumps(entry) + "\n")
            self.send_response(status)
            if args.redirect_status:
                self.send_header("Location", args.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("listening", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
