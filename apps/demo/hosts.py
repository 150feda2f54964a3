"""Where the demo is served: links in e-mails sent while seeding must open on the demo's real
port (`PORT`, as `make demo` serves it)."""

from __future__ import annotations

import os


def demo_port() -> str:
    return os.environ.get("PORT", "8000")
