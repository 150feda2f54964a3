# Numeric dates on every page and PDF, as in English (Django's long "7. Dezember 2026" reads
# badly in a table of invoices); numbers keep Django's German 1.234,56.
DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
