"""Monitoring: what operators and their probes ask of a running installation — `/metrics`
(Prometheus), `/healthz` and `/readyz` — on every host, answered before the tenant is looked
up. A reader across everything: the figures it reads at scrape time (queues, the outbox and
webhook endpoints of every tenant) come from the contexts below; the series recorded as the
product works are apps.telemetry's."""
