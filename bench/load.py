"""Load test: requesters, approvers, AP clerks and suppliers of two demo tenants against gunicorn
with the production settings, on loopback only. Rates step up until p95 passes 250 ms or a
request fails; every step prints p50/p95/p99 per endpoint, errors and throughput, and the run
ends with the highest rate that held. Then the bare endpoint (authentication and one query)
steps up the same way on the same server and client threads; the aim is user actions held at
40 % or more of the bare requests held. Afterwards it proves nothing was lost or doubled: every
requisition the load submitted was routed once, every approval the load made is recorded once,
and the audit chain of both tenants links every event and verifies.

    make load            # seeds the demo first (idempotent); a few minutes
    python bench/load.py [--step-seconds 15] [--rates 5,10,20,30,40,60]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from aims import aim  # noqa: E402
from django.conf import settings  # noqa: E402

TENANTS = ("acme", "globex")
P95_AIM_MS = 250.0
RUN = uuid.uuid4().hex[:8]
TITLE = f"Load {RUN}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _production_env(port: int) -> dict[str, str]:
    """Production settings on loopback: no TLS in front, so no HTTPS redirect; the demo's
    field key, so the seeded bank details stay readable."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": ".localhost,localhost",
        "STATIC_ROOT": str(ROOT / ".data" / "static"),
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
    }


class Client:
    def __init__(self, base: str, tenant: str, email: str) -> None:
        self.base, self.host = base, f"{tenant}.localhost"
        self.tenant = tenant
        status, body, _ms = self.call(
            "POST",
            "/api/v1/auth/token/",
            {"username": email, "password": os.environ.get("DEMO_PASSWORD", "demo-pass-2026")},
            auth=False,
        )
        if status != 200:
            raise SystemExit(f"{email} could not sign in ({status}): {body}")
        self.token = body["token"]

    def call(
        self, method: str, path: str, body: Any = None, *, auth: bool = True
    ) -> tuple[int, Any, float]:
        headers = {"Host": self.host, "Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(  # noqa: S310 (loopback only)
            self.base + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers=headers,
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            payload, status = exc.read(), exc.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            payload, status = b"", 0
        elapsed = (time.perf_counter() - started) * 1000
        try:
            return status, json.loads(payload or b"{}"), elapsed
        except ValueError:
            return status, {}, elapsed


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.conflicts = 0
        self.submitted: list[tuple[str, str]] = []  # (tenant, requisition id)
        self.approved: list[tuple[str, str]] = []  # (tenant, task id)

    def record(self, name: str, status: int, ms: float, ok: set[int]) -> bool:
        with self.lock:
            self.times[name].append(ms)
            if status == 409 and "approve" in name:
                self.conflicts += 1  # two approvers on one task: one wins, one is told
            elif status not in ok:
                self.errors[name] += 1
        return status in ok


def requester(client: Client, rec: Recorder) -> None:
    body = {
        "title": TITLE,
        "cost_center": "CC-300",
        "spend_category": "FAC",
        "legal_entity": "US01",
        "currency": "USD",
        "lines": [{"description": "Desk chair", "quantity": "2", "unit_price": "750.00"}],
    }
    status, created, ms = client.call("POST", "/api/v1/requisitions/", body)
    if rec.record("POST requisitions/", status, ms, {201}):
        status, _body, ms = client.call("POST", f"/api/v1/requisitions/{created['id']}/submit/", {})
        if rec.record("POST requisitions/{id}/submit/", status, ms, {200}):
            with rec.lock:
                rec.submitted.append((client.tenant, created["id"]))
    status, _body, ms = client.call("GET", "/api/v1/requisitions/?page_size=20")
    rec.record("GET requisitions/", status, ms, {200})


def approver(client: Client, rec: Recorder) -> None:
    status, body, ms = client.call("GET", "/api/v1/tasks/?status=open&page_size=20")
    if not rec.record("GET tasks/", status, ms, {200}) or not body.get("results"):
        return
    task = random.choice(body["results"])
    status, _body, ms = client.call("POST", f"/api/v1/tasks/{task['id']}/approve/", {})
    if rec.record("POST tasks/{id}/approve/", status, ms, {200}):
        with rec.lock:
            rec.approved.append((client.tenant, task["id"]))


def clerk(client: Client, rec: Recorder) -> None:
    status, _body, ms = client.call("GET", "/api/v1/invoices/?page_size=20")
    rec.record("GET invoices/", status, ms, {200})
    status, _body, ms = client.call("GET", "/api/v1/exceptions/?status=open")
    rec.record("GET exceptions/", status, ms, {200})


def supplier(client: Client, rec: Recorder) -> None:
    status, _body, ms = client.call("GET", "/api/v1/purchase-orders/")
    rec.record("GET purchase-orders/ (supplier)", status, ms, {200})
    status, _body, ms = client.call("GET", "/api/v1/invoices/")
    rec.record("GET invoices/ (supplier)", status, ms, {200})


MIX = [
    (requester, "requester", 3),
    (approver, "manager", 2),
    (clerk, "ap", 2),
    (supplier, "supplier", 1),
]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def bare(client: Client, rec: Recorder) -> None:
    """The bare endpoint: authentication and one indexed query (bench/submit.py's floor)."""
    status, _body, ms = client.call("GET", "/api/v1/legal-entities/?code=US01")
    rec.record("bare GET legal-entities", status, ms, {200})


def run_step(
    clients: dict[str, list[Client]], rate: float, seconds: float, mix: list[Any] | None = None
) -> Recorder:
    """Open-loop arrivals: `rate` user actions per second, whatever the server's pace."""
    rec = Recorder()
    mix = mix or MIX
    weights = [w for _f, _r, w in mix]
    start = time.perf_counter()
    count = int(rate * seconds)
    with ThreadPoolExecutor(max_workers=64) as pool:
        for i in range(count):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            action, role, _w = random.choices(mix, weights=weights)[0]
            pool.submit(action, random.choice(clients[role]), rec)
    rec.elapsed = time.perf_counter() - start  # type: ignore[attr-defined]
    return rec


def report(rate: float, rec: Recorder) -> tuple[float, int]:
    all_ms = [ms for values in rec.times.values() for ms in values]
    requests = len(all_ms)
    errors = sum(rec.errors.values())
    print(
        f"\n== {rate:g} user actions/s: {requests} requests in {rec.elapsed:.1f} s "  # type: ignore[attr-defined]
        f"({requests / rec.elapsed:.1f} req/s), {errors} errors, "  # type: ignore[attr-defined]
        f"{rec.conflicts} approval conflicts (409)"
    )
    print(f"   {'endpoint':36} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'err':>4}")
    for name in sorted(rec.times):
        values = rec.times[name]
        print(
            f"   {name:36} {len(values):5d} {_pct(values, 0.5):7.1f} {_pct(values, 0.95):7.1f} "
            f"{_pct(values, 0.99):7.1f} {rec.errors.get(name, 0):4d}"
        )
    p95 = _pct(all_ms, 0.95)
    print(
        f"   all requests: p50 {_pct(all_ms, 0.5):.1f} ms, p95 {p95:.1f} ms, "
        f"p99 {_pct(all_ms, 0.99):.1f} ms, mean {statistics.fmean(all_ms):.1f} ms"
    )
    return p95, errors


def verify(recorders: list[Recorder]) -> bool:
    """Nothing lost or doubled, and both audit chains valid."""
    from apps.audit.models import AuditEvent
    from apps.audit.selectors import audit_chain_verify
    from apps.audit.services import audit_chain_link
    from apps.procurement.models import Requisition
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client as Tenant
    from apps.workflow.models import ApprovalRoute, ApprovalTask

    ok = True
    submitted = defaultdict(set)
    approved = defaultdict(set)
    for rec in recorders:
        for tenant, rid in rec.submitted:
            submitted[tenant].add(rid)
        for tenant, tid in rec.approved:
            approved[tenant].add(tid)
    for slug in TENANTS:
        with tenant_context(Tenant.objects.get(slug=slug)):
            mine = Requisition.objects.filter(title=TITLE)
            stored = {str(pk) for pk in mine.exclude(status="draft").values_list("pk", flat=True)}
            routes = ApprovalRoute.objects.filter(
                subject_type="requisition", subject_id__in=stored
            ).values_list("subject_id", flat=True)
            events = AuditEvent.objects.filter(
                action="requisition.submitted", subject_id__in=stored
            )
            once = len(list(routes)) == len(set(routes)) and events.count() == len(stored)
            lost = submitted[slug] - stored
            decided = ApprovalTask.objects.filter(pk__in=approved[slug], status="approved").count()
            approvals = (
                AuditEvent.objects.filter(action="approval.approved")
                .filter(data__task__in=[str(t) for t in approved[slug]])
                .count()
            )
            # what the commits' chainers left (each gives way to a writer in flight), then
            # everything linked, as a check does before it reads
            left = audit_chain_verify().pending
            audit_chain_link(wait=True)
            chain = audit_chain_verify()
            print(
                f"   {slug}: {len(submitted[slug])} submitted, {len(stored)} stored and routed "
                f"{'once' if once else 'NOT once'}, {len(lost)} lost; "
                f"{len(approved[slug])} approved, {decided} recorded, {approvals} approval events; "
                f"audit chain {'valid' if chain.valid else 'BROKEN'} ({chain.count} events, "
                f"{left} unlinked when the load stopped, {chain.pending} after linking)"
            )
            ok = ok and once and not lost and decided == approvals == len(approved[slug])
            ok = ok and chain.valid and chain.pending == 0
    return ok


def _room_in_the_budgets() -> None:
    """The load's requisitions (1,500 USD each, one approval step) go to CC-300; its budget is
    raised so a long or repeated run tests the product, not an exhausted budget."""
    from django.db.models import F

    from apps.organization.models import Budget
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client as Tenant

    for slug in TENANTS:
        with tenant_context(Tenant.objects.get(slug=slug)):
            Budget.objects.filter(cost_center__code="CC-300").update(
                amount=F("committed") + F("actual") + 10_000_000
            )


def highest_held(
    clients: dict[str, list[Client]], rates: str, seconds: float, mix: list[Any] | None = None
) -> tuple[float, list[Recorder]]:
    """Step the rate up until p95 passes the aim or a request fails; the last rate that held."""
    held, recorders = 0.0, []
    for rate in (float(r) for r in rates.split(",")):
        rec = run_step(clients, rate, seconds, mix)
        recorders.append(rec)
        p95, errors = report(rate, rec)
        if errors or p95 > P95_AIM_MS:
            print(f"   -> over the aim (p95 <= {P95_AIM_MS:g} ms, no errors): stop here")
            break
        held = rate
    return held, recorders


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="5,10,20,30,40,60,80")
    # the bare endpoint's steps, at the same open-loop concurrency (64 client threads)
    parser.add_argument("--bare-rates", default="20,40,60,80,120,160,200,240")
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    _room_in_the_budgets()
    port = _free_port()
    env = _production_env(port)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--timeout", "60"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        clients: dict[str, list[Client]] = defaultdict(list)
        for tenant in TENANTS:
            for _f, role, _w in MIX:
                clients[role].append(Client(base, tenant, f"{role}@{tenant}.example"))
        print(f"gunicorn, {args.workers} workers, production settings, loopback; run {RUN}")
        # warm-up, not measured: each gunicorn worker's first requests of each endpoint load
        # what a long-running server has loaded already (its work is still checked below)
        warm_up = run_step(clients, 5, 4)
        held, recorders = highest_held(clients, args.rates, args.step_seconds)
        recorders.insert(0, warm_up)
        print(
            f"\nHighest rate that held: {held:g} user actions/s "
            f"(p95 <= {P95_AIM_MS:g} ms and zero errors)"
        )
        print("\nThe bare endpoint on the same server, at the same concurrency:")
        floor, _bare = highest_held(
            clients, args.bare_rates, args.step_seconds, [(bare, "requester", 1)]
        )
        print(f"\nHighest bare rate that held: {floor:g} requests/s")
        aim("load: user actions held / bare requests held", 100 * held / max(floor, 1), 40,
            unit=" %", at_least=True)  # fmt: skip
        print("\nAfterwards:")
        ok = verify(recorders)
        print("Nothing lost or doubled." if ok else "LOST OR DOUBLED WORK: see above.")
        return 0 if ok and held > 0 else 1
    finally:
        server.terminate()
        server.wait(15)


if __name__ == "__main__":
    raise SystemExit(main())
