"""Support access: a partner support person's time-boxed, client-approved way into one client
tenant, through a stand-in user bound to the grant (docs/partners.md, "Support access")."""
