"""A webhook receiver for trying Spendgate's webhooks on this machine: prints each delivery
and whether its signature verifies.

    .venv/bin/python scripts/webhook_receiver.py --port 9000 --secret whsec_…

Answers 200 (or the status given with --status, e.g. 500 to watch the retries, 410 to see the
endpoint switched off). Stop it with Ctrl-C and start it again to watch recovery.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", help="the endpoint's whsec_ secret, to verify signatures")
    parser.add_argument("--status", type=int, default=200, help="the status to answer with")
    options = parser.parse_args()
    verifier = Webhook(options.secret) if options.secret else None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            verdict = "not checked (no --secret)"
            if verifier is not None:
                try:
                    verifier.verify(body, headers)
                    verdict = "signature verifies"
                except Exception as exc:  # the library's own error types
                    verdict = f"SIGNATURE REFUSED: {exc}"
            try:
                kind = json.loads(body).get("type") or "(chat message)"
            except ValueError:
                kind = "(not JSON)"
            print(f"{headers.get('webhook-id', '?')}  {kind}  {verdict}", flush=True)
            self.send_response(options.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    print(f"listening on http://127.0.0.1:{options.port}/ (answering {options.status})")
    ThreadingHTTPServer(("127.0.0.1", options.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
