"""A real HTTP receiver on 127.0.0.1 for the webhook tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings


class Receiver:
    """Answers each POST with the next scripted status (the last one repeats) and keeps what
    it got. A GET is answered as Slack's Web API answers `users.info?user=<id>`: with the JSON
    scripted for that user in `slack_users` (else Slack's `user_not_found`), and kept in
    `asked`."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str]]] = [(200, {})]
        self.got: list[tuple[dict[str, str], bytes, str]] = []
        self.slack_users: dict[str, dict[str, Any]] = {}
        self.asked: list[tuple[dict[str, str], str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append(
                    ({k.lower(): v for k, v in self.headers.items()}, body, self.path)
                )
                status, headers = receiver.script[min(len(receiver.got), len(receiver.script)) - 1]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def do_GET(self) -> None:
                receiver.asked.append(({k.lower(): v for k, v in self.headers.items()}, self.path))
                user = parse_qs(urlsplit(self.path).query).get("user", [""])[0]
                found = receiver.slack_users.get(user, {"ok": False, "error": "user_not_found"})
                body = json.dumps(found).encode()
                self.send_response(200)  # Slack's Web API answers 200, with ok true or false
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = f"{self.base}/hooks"

    def answer(self, *statuses: int | tuple[int, dict[str, str]]) -> None:
        self.script = [s if isinstance(s, tuple) else (s, {}) for s in statuses]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    thread = threading.Thread(target=made.server.serve_forever, daemon=True)
    thread.start()
    with override_settings(WEBHOOK_ALLOW_LOOPBACK=True):
        yield made
    made.server.shutdown()


# the accounts-payable fixtures, for ERP events about real approved invoices
from tests.invoices.conftest import aporg, approved_invoice, receive  # noqa: E402, F401


def erp_post(
    client: Any,
    secret: str,
    kind: str,
    data: dict[str, Any],
    *,
    message_id: str | None = None,
    at: int | None = None,
) -> Any:
    """POST one signed ERP event, as an ERP would."""
    import json
    import time
    import uuid

    from apps.integrations.webhooks.signing import headers

    body = json.dumps({"type": kind, "data": data}).encode()
    signed = headers(
        [secret], message_id or f"msg_{uuid.uuid4().hex}", at or int(time.time()), body
    )
    return client.post(
        "/api/v1/erp/events/",
        data=body,
        content_type="application/json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed.items()},
    )


def signed_in(tenant: Any, user: Any) -> Any:
    """A browser signed in through the login page."""
    from django.test import Client

    from tests.conftest import PASSWORD, host_of

    browser = Client(HTTP_HOST=host_of(tenant))
    answer = browser.post("/login/", {"username": user.email, "password": PASSWORD})
    assert answer.status_code == 302
    return browser
