"""Spend coding (issue 33, docs/ai/spend_coding.md): category, cost center and supplier
suggested from a requisition's words, per tenant, with confidence and reasons."""
