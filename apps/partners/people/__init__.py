"""The partner's own people on the public host: invited, given a partner role, removed, each
change in the public schema's audit trail. docs/partners.md, "Partner people and roles"."""
