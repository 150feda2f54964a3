"""Exception advice and routing (docs/ai/exception_advice.md, docs/ai/routing.md): a case
summary in plain language, a suggested resolution among those the reader may take, the similar
past cases it rests on, a draft message to the supplier, and who resolved such cases fastest.
Read from the tenant's own decided exceptions; advice only, a person decides and sends."""
