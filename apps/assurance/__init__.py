"""Assurance: what auditors read and take away, gathered from every context — the auditor
portal at /audit/ (trail, chain state, policy history, user access review), evidence packs,
the monthly control report and the nightly chain check with its alerts. It sits above every
other context and only reads downward; nothing imports it."""
