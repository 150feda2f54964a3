"""Another writer of the audit trail in the middle of its transaction, for tests of the
chainer (apps.audit.services.audit_chain_link), which links only when no writer is."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connection, transaction

from apps.audit.services import audit_record
from apps.tenancy.context import tenant_context


class WriterInFlight:
    """A connection of its own inside a transaction that has written one event of `tenant`
    (subject `thing:<label>`), from `start()` (or entering the block) until `commit()`."""

    def __init__(self, tenant: Any, label: str) -> None:
        self.tenant, self.label = tenant, label
        self._inside, self._finish = threading.Event(), threading.Event()
        self._failed: list[BaseException] = []
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            with tenant_context(self.tenant), transaction.atomic():
                audit_record(
                    actor="system:test",
                    action="thing.done",
                    subject_type="thing",
                    subject_id=self.label,
                )
                self._inside.set()
                if not self._finish.wait(30):
                    raise TimeoutError("the writer in flight was never told to commit")
        except BaseException as exc:  # reported by start() or commit()
            self._failed.append(exc)
            self._inside.set()
        finally:
            connection.close()

    def start(self) -> WriterInFlight:
        self._thread.start()
        assert self._inside.wait(10) and not self._failed, self._failed
        return self

    def commit(self) -> None:
        self._finish.set()
        self._thread.join(10)
        assert not self._thread.is_alive() and not self._failed, self._failed

    def __enter__(self) -> WriterInFlight:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self._finish.set()
        self._thread.join(10)
