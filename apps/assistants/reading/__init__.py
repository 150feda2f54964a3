"""Invoice reading (issue 33 item 2, docs/ai/invoice_reading.md): a PDF's text and layout, or a
scan's or photo's OCR, read into the fields of an invoice with a confidence per field and
cross-checked against the tenant's suppliers and orders. It pre-fills a form; a person
confirms; it never creates an invoice by itself."""
