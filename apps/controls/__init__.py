"""Controls: the refusals a service answers with (permission_denied, sod_violation,
invalid_transition, validation_error, …), the guards that raise them and the one
status-transition step every state machine goes through. The domain owns them; the HTTP
package (apps.api) and the pages only render them. Also the one door to the trace
(`spans`: the numbers a service acts on, on the current span). Imports no other app."""
