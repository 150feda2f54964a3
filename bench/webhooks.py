"""Webhook delivery against a local receiver.

Creates a throwaway tenant with 3 endpoints on a receiver on 127.0.0.1, then:

- throughput: N outbox events (default 10,000) fanned out and delivered by the dispatcher in
  this process (what a worker runs), beside the floor: the same number of signed POSTs sent by
  one plain `requests` session loop in the same run (httpx is not a dependency; requests is
  what the delivery itself uses);
- latency: 100 requisition-sized events committed one at a time while a real Celery worker
  (started here) is nudged by each commit, from commit to receipt, p50 and p95.

Prints the numbers and the ratio to the floor. Machines are noisy: read the ratios.
Aim (issue 18): within 2x of the floor's throughput, p95 <= 1 s commit to receipt.

    python bench/webhooks.py [--events 10000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

os.environ["WEBHOOK_ALLOW_LOOPBACK"] = "true"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from aims import aim
from django.db import transaction
from submit import PASSWORD, drop_tenant, setup_tenant

ENDPOINTS = 3


class Receiver:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.count = 0
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    receiver.count += 1
                    receiver.arrived.setdefault(self.headers["webhook-id"], time.time())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


def _events(n: int) -> None:
    from apps.events.models import OutboxEvent

    payload = {"id": "x", "number": "REQ-000001", "title": "Bench", "requester": "r@bench"}
    for start in range(0, n, 2000):
        with transaction.atomic():
            OutboxEvent.objects.bulk_create(
                OutboxEvent(
                    event_type="requisition.submitted",
                    subject_type="requisition",
                    subject_id=str(uuid.uuid4()),
                    payload=payload,
                )
                for _ in range(min(2000, n - start))
            )


def throughput(n: int, receiver: Receiver) -> tuple[float, float]:
    import requests

    from apps.integrations.models import WebhookDelivery
    from apps.integrations.tasks import dispatch_outbox
    from apps.integrations.webhooks.signing import headers, new_secret

    _events(n)
    began = time.perf_counter()
    dispatch_outbox()
    ours = time.perf_counter() - began
    sends = n * ENDPOINTS
    # under load a first attempt can fail (a timeout, the receiver's backlog): the delivery
    # is then scheduled for a retry, as in production, and counted here rather than refused
    succeeded = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SUCCEEDED).count()
    retried = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, attempts__gte=1
    ).count()
    print(
        f"deliveries: {sends:,} due, {succeeded:,} delivered ({receiver.count:,} POSTs received), "
        f"{retried:,} to be retried after a failed first attempt"
    )

    secret, body = new_secret(), b'{"type":"requisition.submitted","data":{}}'
    session = requests.Session()
    began = time.perf_counter()
    for i in range(sends):
        signed = headers([secret], f"floor-{i}", int(time.time()), body)
        session.post(f"{receiver.url}/floor", data=body, headers=signed, timeout=15)
    floor = time.perf_counter() - began
    return succeeded / ours, sends / floor  # what was delivered, not what was tried


def latency(slug: str, receiver: Receiver, samples: int) -> list[float]:
    from apps.events.services import event_record

    root = Path(__file__).resolve().parent.parent
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    from config.queues import consumed

    # every queue, as the test worker does: the dispatcher's task goes to `webhooks`
    worker = subprocess.Popen(
        [celery, "-A", "config", "worker", "--pool", "solo", "-Q", ",".join(consumed()),
         "-n", f"bench-hooks-{os.getpid()}@%h", "-l", "warning"],
        cwd=root,
        env={**os.environ},
        start_new_session=True,
    )  # fmt: skip
    waits: list[float] = []
    try:
        time.sleep(5)  # the worker connects
        for i in range(samples + 5):
            with transaction.atomic():
                event = event_record(
                    actor="system:bench",
                    action="requisition.submitted",
                    subject_type="requisition",
                    subject_id=uuid.uuid4(),
                    payload={
                        "id": str(uuid.uuid4()),
                        "number": f"REQ-{i:06d}",
                        "title": "Bench",
                        "requester": "r@bench.example",
                        "total": "10.00",
                        "currency": "USD",
                        "cost_center": "CC-100",
                        "spend_category": "IT-HW",
                        "legal_entity": "US01",
                        "policy_version": "v1",
                        "rule": "auto-approve-small",
                    },
                )
            committed = time.time()
            from apps.events.models import OutboxEvent

            event_id = str(
                OutboxEvent.objects.filter(subject_id=event.subject_id).values_list(
                    "pk", flat=True
                )[0]
            )
            deadline = time.monotonic() + 30
            while event_id not in receiver.arrived and time.monotonic() < deadline:
                time.sleep(0.005)
            if event_id not in receiver.arrived:  # nothing arrives: say so, never wait on
                raise SystemExit(f"event {i} did not reach the receiver in 30 s: is the worker up?")
            if i >= 5:  # the first few warm the worker
                waits.append(receiver.arrived[event_id] - committed)
    finally:
        worker.terminate()
        worker.wait(20)
    return waits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=100)
    options = parser.parse_args()
    from apps.accounts.services import user_ensure
    from apps.integrations.services.endpoints import endpoint_create
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client

    slug = f"hooks{uuid.uuid4().hex[:6]}"
    setup_tenant(slug)
    receiver = Receiver()
    try:
        with tenant_context(Client.objects.get(slug=slug)):
            admin = user_ensure(email="a@bench.example", password=PASSWORD, roles=["tenant_admin"])
            with transaction.atomic():
                for i in range(ENDPOINTS):
                    endpoint_create(actor=admin, data={"url": f"{receiver.url}/e{i}"})
            ours, floor = throughput(options.events, receiver)
            print(f"throughput: {ours:,.0f} deliveries/s, floor {floor:,.0f} POSTs/s, "
                  f"ratio {floor / ours:.2f}x (aim <= 2x)")  # fmt: skip
            aim("webhook floor / deliveries, throughput", floor / ours, 2)
            waits = sorted(latency(slug, receiver, options.samples))
            p50 = statistics.median(waits)
            p95 = waits[int(len(waits) * 0.95) - 1]
            print(f"commit to receipt through a real worker: p50 {p50 * 1000:.0f} ms, "
                  f"p95 {p95 * 1000:.0f} ms (aim p95 <= 1000 ms)")  # fmt: skip
            aim("webhook commit to receipt, p95", p95 * 1000, 1000, unit=" ms")
    finally:
        receiver.server.shutdown()
        drop_tenant(slug)


if __name__ == "__main__":
    main()
