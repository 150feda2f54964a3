from django.apps import AppConfig


class AssistantsConfig(AppConfig):
    name = "apps.assistants"
    label = "assistants"

    def ready(self) -> None:
        # each assistant registers itself with the contexts it advises, from its own module
        from .exceptions.registration import register as register_exception_advice

        register_exception_advice()
