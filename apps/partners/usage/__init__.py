"""Usage and plans: each client tenant's month as the partner bills it (active users,
requisitions, purchase orders, invoices by channel, e-mails received, storage), and the plan
limits billing sets (docs/partners.md, "Usage and plans")."""
