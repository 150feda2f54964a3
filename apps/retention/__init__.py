"""Retention: how long each kind of record is kept (the policy's `retention` section), the legal
holds compliance places on a supplier, an invoice or a period, and the nightly purge that deletes
what has passed its period and is held by nothing. It deletes across contexts, so it sits at the
top of the layers and imports downward only."""
