from django.apps import AppConfig


class AssistantsConfig(AppConfig):
    name = "apps.assistants"
    label = "assistants"

    def ready(self) -> None:
        # each assistant registers what it hands to the contexts below from its own module
        from .spend.registration import register as register_spend_coding

        register_spend_coding()
