"""What spend coding hands to the contexts below it, called from AssistantsConfig.ready()."""

from __future__ import annotations


def register() -> None:
    from apps.procurement.views import on_requisition_form_saved

    from . import tasks  # noqa: F401  (the worker knows the retraining job)
    from .outcomes import requisition_form_saved

    on_requisition_form_saved(requisition_form_saved)
