"""What spend coding hands to the contexts below it, called from AssistantsConfig.ready()."""

from __future__ import annotations


def register() -> None:
    from apps.procurement.views import on_requisition_form_saved

    from .outcomes import requisition_form_saved
    from .tasks import spend_model_retrain_task

    on_requisition_form_saved(requisition_form_saved)
    # imported so that a worker knows the retraining job (autodiscovery reads only the
    # app's own tasks module)
    assert spend_model_retrain_task.name.endswith("spend_model_retrain_task")
