"""Writers of one tenant's audit trail at once: what the chain's lock costs them.

Each writer is a thread with its own connection that runs transactions like a request's: an
event, the rest of its work (`--work-ms` of other statements, here one pg_sleep), a second
event, commit. Timed two ways in one run, interleaved, on one throwaway tenant:
  - queued: every transaction takes the chain's lock alone at its first event and holds it to
    its commit, as every writer did before the chain was linked after commit (the baseline);
  - parallel: the writer as it is (the lock shared by writers; the chainer links after each
    commit, alone for as long as the linking takes).
Prints transactions per second for both and the ratio (the share of the writers' time the
tenant-wide queue took), the chainer's time, and checks that the chain links every event and
verifies. Machines are noisy: read the ratio. Aim: parallel >= 2x queued with 8 writers.

    python bench/audit_writers.py [--writers 8] [--transactions 40] [--work-ms 10]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aims import aim
from django.db import connection, transaction
from submit import drop_tenant, setup_tenant

QUEUE_SQL = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':audit_chain'))"


def run(tenant: object, *, writers: int, transactions: int, work_ms: int, queued: bool) -> float:
    """Seconds for `writers` threads to commit `transactions` each."""
    from apps.audit.services import audit_record
    from apps.tenancy.context import tenant_context

    start = threading.Barrier(writers + 1)
    failed: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with tenant_context(tenant):  # type: ignore[arg-type]
                start.wait()
                for i in range(transactions):
                    with transaction.atomic(), connection.cursor() as cursor:
                        if queued:
                            cursor.execute(QUEUE_SQL)
                        for part in ("first", "second"):
                            audit_record(
                                actor="system:bench",
                                action="thing.done",
                                subject_type="thing",
                                subject_id=f"{n}-{i}-{part}",
                                after={"writer": n, "i": i},
                            )
                            if part == "first":
                                cursor.execute("SELECT pg_sleep(%s)", [work_ms / 1000])
        except BaseException as exc:
            failed.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    assert not failed, failed
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--transactions", type=int, default=40)
    parser.add_argument("--work-ms", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from apps.audit.models import AuditEvent
    from apps.audit.selectors import audit_chain_verify
    from apps.audit.services import audit_chain_link
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client

    slug = f"benchwriters{uuid.uuid4().hex[:6]}"
    setup_tenant(slug)
    try:
        tenant = Client.objects.get(slug=slug)
        options = {
            "writers": args.writers,
            "transactions": args.transactions,
            "work_ms": args.work_ms,
        }
        queued, parallel = [], []
        for _ in range(args.runs):  # interleaved: a noisy machine slows both alike
            queued.append(run(tenant, queued=True, **options))
            parallel.append(run(tenant, queued=False, **options))
        total = args.writers * args.transactions
        q, p = min(queued), min(parallel)
        print(
            f"{args.writers} writers x {args.transactions} transactions (2 events and "
            f"{args.work_ms} ms of other work each), best of {args.runs}"
        )
        print(f"  queued on the chain (as before): {q:.2f} s = {total / q:,.0f} transactions/s")
        print(f"  parallel (linked after commit):  {p:.2f} s = {total / p:,.0f} transactions/s")
        print(f"  the tenant-wide queue took {1 - p / q:.0%} of the queued run's time")
        aim("audit writers in parallel / queued on the chain", q / p, 2, at_least=True)
        with tenant_context(tenant):
            began = time.perf_counter()
            left = audit_chain_link(wait=True)
            took = time.perf_counter() - began
            result = audit_chain_verify()
            events = AuditEvent.objects.count()
        print(
            f"  after the runs: {left} events left for a last link ({took * 1000:.0f} ms); "
            f"chain of {result.count} of {events} events valid: {result.valid}"
        )
        assert result.valid and result.count == events and result.pending == 0
    finally:
        drop_tenant(slug)


if __name__ == "__main__":
    main()
