"""`make demo` listens on this machine only unless HOST asks for another address."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DEVSTACK = Path(__file__).resolve().parents[2] / "scripts" / "devstack.py"


def test_the_demo_listens_on_loopback_unless_asked() -> None:
    spec = importlib.util.spec_from_file_location("devstack", DEVSTACK)
    assert spec is not None and spec.loader is not None
    devstack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(devstack)
    assert devstack.web_address({}) == ("127.0.0.1", "8000")
    assert devstack.web_address({"HOST": "", "PORT": "8123"}) == ("127.0.0.1", "8123")
    assert devstack.web_address({"HOST": "0.0.0.0"}) == ("0.0.0.0", "8000")  # noqa: S104
