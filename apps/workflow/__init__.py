"""Workflow: approval routes, their steps and tasks, inboxes, delegation and out-of-office,
SLAs, reminders and escalations. Subjects (requisitions, later suppliers and invoices)
register what happens when their route ends."""
