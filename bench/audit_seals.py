"""What sealing personal values (apps.audit.personal) adds to the audit trail's batch writer.

Makes the rows of one batch as invoice matching writes them (a system actor, a finding's detail
as free text on one event in ten), with the writer as it is (the people index of a tenant of
`--people` users consulted for every string; since the chain is linked after the commit, the
writer no longer hashes: the chainer does, apps.audit.services.audit_chain_link) and with the
version 1 loop before sealing (which hashed, `--before`, by default the commit before sealing
landed), best of five each, on the same events. Then the same for events by a person (an
approver's decisions, each with a comment naming someone). Pure Python: the writer's COPY and
the lock are the same either way. Prints events per second and the ratio.

    python bench/audit_seals.py [--events 10000] [--people 2000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    import django

    django.setup()
    from django.utils import timezone

    from apps.audit.chain import GENESIS_HASH
    from apps.audit.personal import People, new_key
    from apps.audit.services import _rows

    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument(
        "--before", default="b6aeee0~1", help="the commit of the writer compared (before sealing)"
    )
    args = parser.parse_args()

    people = People()
    for i in range(args.people):
        ref = f"user:{i}"
        people.emails[f"person{i}@acme.example"] = ref
        people.names.setdefault(f"first{i}", []).append((f"first{i} last{i}", ref))
        people.keys[ref] = new_key()

    def matched(i: int) -> dict[str, Any]:
        raised = (
            [{"code": "price_variance", "line": i, "variance": "12.50", "detail": "Price above"}]
            if i % 10 == 0
            else []
        )
        return {
            "actor": "system:matching",
            "action": "invoice.matched",
            "subject_type": "invoice",
            "subject_id": f"inv-{i}",
            "policy_version": "v3",
            "after": {"status": "approved", "matched_at": "2026-12-01"},
            "data": {"raised": raised, "cleared": 0},
        }

    class Person:
        def __init__(self, i: int) -> None:
            self.pk, self.email = i, f"person{i}@acme.example"

    def decided(i: int) -> dict[str, Any]:
        return {
            "actor": Person(i % args.people),
            "action": "approval.approved",
            "subject_type": "requisition",
            "subject_id": f"req-{i}",
            "data": {"comment": f"Fine for first{i % 97} last{i % 97}, thanks", "step": 1},
        }

    # the writer before sealing, as that commit had it (its own module, beside today's)
    import importlib.util
    import subprocess
    import tempfile

    source = subprocess.run(
        ["git", "show", f"{args.before}:apps/audit/services.py"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "services_before.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("apps.audit.services_before", path)
        assert spec is not None and spec.loader is not None
        previous = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(previous)

    def version_1(events: list[dict[str, Any]], now: Any) -> None:
        for _row in previous._chained_rows(events, GENESIS_HASH, now, ""):
            pass

    def sealed(events: list[dict[str, Any]], now: Any) -> None:
        for _row in _rows(events, now, "", people):
            pass

    def best(run: Any, events: list[dict[str, Any]]) -> float:
        now, times = timezone.now(), []
        for _ in range(5):
            start = time.perf_counter()
            run(events, now)
            times.append(time.perf_counter() - start)
        return min(times)

    for label, make in (("matching (system actor)", matched), ("decisions by people", decided)):
        events = [make(i) for i in range(args.events)]
        old, new = float("inf"), float("inf")
        for _ in range(3):  # interleaved: a noisy machine slows both alike
            old, new = min(old, best(version_1, events)), min(new, best(sealed, events))
        print(
            f"{label}: v1 {args.events / old:,.0f} events/s, sealed {args.events / new:,.0f} "
            f"events/s, ratio {new / old:.2f}x ({(new - old) / args.events * 1e6:.1f} us/event)"
        )


if __name__ == "__main__":
    main()
