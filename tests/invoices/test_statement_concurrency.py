"""The same bank statement arriving twice at the same moment (real PostgreSQL, two
connections): exactly one import, and the second request answers the first's result as a
replay. Only the unique SHA-256 of the file keeps them apart once both have found no earlier
import, so this fails without that constraint."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from tests.procurement.test_concurrency import in_parallel

RUN = "PR-RACE-1"
STATEMENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>STMT-RACE-1</MsgId><CreDtTm>2026-11-28T18:00:00</CreDtTm></GrpHdr>
  <Stmt><Id>1</Id>
   <Ntry><Amt Ccy="USD">100.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-11-28</Dt></BookgDt>
    <NtryDtls><Btch><PmtInfId>{RUN}</PmtInfId><NbOfTxs>1</NbOfTxs></Btch></NtryDtls></Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>""".encode()


def _waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return int(cursor.fetchone()[0])


def test_the_same_statement_twice_at_once_is_imported_once(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from apps.accounts.services import user_ensure
    from apps.audit.models import AuditEvent
    from apps.invoices.models import BankStatement, PaymentRun, StatementEntry
    from apps.invoices.services.statements import statement_import
    from apps.organization.models import LegalEntity
    from apps.tenancy.context import tenant_context

    tenant = committed_org["tenant"]
    with django_db_blocker.unblock(), tenant_context(tenant):
        releaser = user_ensure(email="ap@x.test", password="x-pass-2026!", roles=["ap_manager"])
        run = PaymentRun.objects.create(
            number=RUN,
            legal_entity=LegalEntity.objects.get(code="US01"),
            currency="USD",
            execution_date=date(2026, 11, 27),
            status=PaymentRun.Status.RELEASED,
        )
        jobs = [
            lambda: statement_import(
                actor=releaser, upload=SimpleUploadedFile("camt053.xml", STATEMENT)
            )
            for _ in range(2)
        ]
        results: list[Any] = []
        # Both requests find no earlier import, then wait for the run this test holds: once it
        # is let go, they meet at the statement's unique SHA-256.
        with transaction.atomic():
            PaymentRun.objects.select_for_update().get(pk=run.pk)
            runner = threading.Thread(target=lambda: results.extend(in_parallel(tenant, jobs)))
            runner.start()
            deadline = time.monotonic() + 60
            while _waiting_for_locks() < 2:
                assert time.monotonic() < deadline, "the two imports never reached the run lock"
                time.sleep(0.05)
        runner.join(120)
        assert not runner.is_alive()
        assert all(isinstance(r, dict) for r in results), results
        first, second = sorted(results, key=lambda r: bool(r.get("replay")))
        assert "replay" not in first and second["replay"] is True
        assert second["statement"] == first["statement"]
        assert {k: v for k, v in second.items() if k != "replay"} == first
        assert [u["entry"] for u in first["unmatched"]] == [RUN]
        assert BankStatement.objects.count() == 1
        assert StatementEntry.objects.count() == 1
        assert AuditEvent.objects.filter(action="bank_statement.imported").count() == 1
