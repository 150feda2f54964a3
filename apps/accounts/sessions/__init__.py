"""A person's signed-in browser sessions: one record each (written at sign-in, kept current
when the session's key is cycled, last seen at most once a minute), listed for the person and
their tenant admin, and ended one at a time or all but this one (audited). docs/identity.md."""
