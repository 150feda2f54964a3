"""Accounts payable: invoice intake (API, portal, UBL/Peppol, Factur-X, CSV), validation,
two- and three-way matching, duplicate detection and exception queues (paying them:
apps.payments)."""
