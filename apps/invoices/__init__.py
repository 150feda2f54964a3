"""Accounts payable: invoice intake (API, portal, UBL/Peppol, Factur-X, CSV), validation,
two- and three-way matching, duplicate detection, exception queues and payment release."""
