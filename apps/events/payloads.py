"""The payload fields several event types share (apps.events.event_types)."""

REQUISITION = {
    "id": "requisition id",
    "number": "requisition number (REQ-000123)",
    "title": "title",
    "requester": "requester's e-mail",
    "total": "total, decimal string",
    "currency": "ISO 4217 code",
    "cost_center": "cost center code",
    "spend_category": "spend category code",
    "legal_entity": "legal entity code",
    "policy_version": "policy version that routed it (v3), empty while a draft",
}
INVOICE = {
    "id": "invoice id",
    "number": "the supplier's invoice number",
    "supplier": "supplier id",
    "supplier_name": "supplier name",
    "total": "total, decimal string",
    "currency": "ISO 4217 code",
}
EXCEPTION = {
    "id": "invoice id",
    "number": "the supplier's invoice number",
    "exception": "exception id",
    "code": "exception code (CONTRACT §3: price_variance, duplicate_suspected, …)",
    "category": "exception category (commercial_mismatch, fraud_risk, …)",
}
CONTRACT = {
    "id": "contract id",
    "number": "contract number",
    "title": "title",
    "supplier": "supplier id",
    "supplier_name": "supplier name",
    "status": "contract status after the change",
    "ends_on": "ISO date, the last day it runs",
    "value_cap": "total value cap, decimal string",
    "currency": "ISO 4217 code",
}
SUPPLIER = {
    "id": "supplier id",
    "name": "supplier name",
    "country": "ISO 3166 alpha-2",
    "tax_id": "tax id as registered",
    "status": "supplier status after the change",
    "risk_tier": "low, medium or high",
}

PAYMENT_RUN = {
    "id": "payment run id",
    "number": "payment run number (PAY-000012)",
    "legal_entity": "paying legal entity code",
    "currency": "ISO 4217 code",
    "total": "total, decimal string",
    "invoices": "number of invoices in the run",
}

ALERT = {
    "id": "alert id",
    "kind": "connector, policy, people or platform",
    "rule": "the alert rule (docs/operations.md)",
    "subject": "what it is about, in words",
    "link": "the page where it is acted on (a path on the tenant's host)",
    "raised_at": "when it was raised",
}
