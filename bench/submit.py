"""Submit-with-policy over HTTP against a bare authenticated endpoint, in the same run.

Creates a throwaway tenant (cloned like any other) with reference data and users, then times
over real HTTP (a runserver process on loopback):
  - bare:   GET /api/v1/legal-entities/?code=US01  (authentication + one query)
  - submit: POST /api/v1/requisitions/{id}/submit/ (policy routing, budget lock, route, audit)
Prints p50/p95 of each and the ratios. Machines are noisy: read the ratios. Aims: submit p95
<= 50 ms, and <= 2.5x the bare endpoint at p50 and p95.

    make bench-submit      # or: python bench/submit.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from aims import aim  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

PASSWORD = "bench-pass-2026-x"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def setup_tenant(slug: str) -> None:
    from apps.accounts.services import user_ensure
    from apps.demo.reference_data import demo_reference_data
    from apps.demo.tenants import ensure_partner_admin, ensure_public_tenant
    from apps.organization.models import Budget
    from apps.organization.services import reference_data_ensure
    from apps.tenancy.context import tenant_context
    from apps.tenancy.services import tenant_provision

    ensure_public_tenant()
    partner = ensure_partner_admin(
        email="bench@partner.example", partner_name="Bench Partner", password=PASSWORD
    )
    tenant = tenant_provision(
        actor=partner, slug=slug, name=slug, domain=f"{slug}.localhost", brand={}
    )
    with tenant_context(tenant):
        manager = user_ensure(email="m@bench.example", password=PASSWORD, roles=["manager"])
        user_ensure(
            email="r@bench.example", password=PASSWORD, roles=["requester"], manager=manager
        )
        reference_data_ensure(
            actor="system:bench", **demo_reference_data(manager=manager, year=timezone.now().year)
        )
        Budget.objects.update(amount=10**9)


def drop_tenant(slug: str) -> None:
    from apps.tenancy.models import Client

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{slug}" CASCADE')
    Client.objects.filter(slug=slug).delete()


def call(
    base: str, host: str, method: str, path: str, token: str | None = None, body: object = None
) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310 - loopback
    request.add_header("Host", host)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return response.status, json.loads(response.read() or b"{}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    runs = parser.parse_args().runs
    slug = f"bench{uuid.uuid4().hex[:6]}"
    host = f"{slug}.localhost"
    setup_tenant(slug)
    port = free_port()
    env = {**os.environ, "LOG_LEVEL": "WARNING", "DJANGO_DEBUG": "0"}
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        _, body = call(
            base,
            host,
            "POST",
            "/api/v1/auth/token/",
            body={"username": "r@bench.example", "password": PASSWORD},
        )
        token = body["token"]
        drafts = []
        for _ in range(runs + 5):
            _, draft = call(
                base,
                host,
                "POST",
                "/api/v1/requisitions/",
                token,
                {
                    "title": "Bench",
                    "cost_center": "CC-100",
                    "spend_category": "IT-HW",
                    "legal_entity": "US01",
                    "currency": "USD",
                    "lines": [{"description": "Item", "quantity": "1", "unit_price": "5000"}],
                },
            )
            drafts.append(draft["id"])
        bare, submit = [], []
        for i, draft_id in enumerate(drafts):
            started = time.perf_counter()
            call(base, host, "GET", "/api/v1/legal-entities/?code=US01", token)
            bare_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            status, body = call(
                base, host, "POST", f"/api/v1/requisitions/{draft_id}/submit/", token
            )
            submit_ms = (time.perf_counter() - started) * 1000
            assert status == 200 and body["status"] == "pending_approval", body
            if i >= 5:  # warm-up
                bare.append(bare_ms)
                submit.append(submit_ms)
    finally:
        server.terminate()
        server.wait(10)
        drop_tenant(slug)
    b50, b95 = statistics.median(bare), percentile(bare, 0.95)
    s50, s95 = statistics.median(submit), percentile(submit, 0.95)
    print(f"bare endpoint     p50 {b50:7.1f} ms   p95 {b95:7.1f} ms   ({len(bare)} runs)")
    print(f"submit w/ policy  p50 {s50:7.1f} ms   p95 {s95:7.1f} ms   ({len(submit)} runs)")
    print(f"ratio submit/bare p50 {s50 / b50:7.2f}x   p95 {s95 / b95:7.2f}x")
    aim("submit with policy / bare endpoint, p50", s50 / b50, 2.5)
    aim("submit with policy / bare endpoint, p95", s95 / b95, 2.5)
    aim("submit with policy, p95", s95, 50, unit=" ms")


if __name__ == "__main__":
    main()
