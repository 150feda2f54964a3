"""Privacy: a data subject's erasure (a former user, a supplier's contact). It owns the erasure
requests, the registries through which each context names its people and the free text that
may name them, and the check other contexts (retention's legal holds) may register to refuse
an erasure. The audit trail's keys and seals are the trail's own (apps.audit.personal)."""
