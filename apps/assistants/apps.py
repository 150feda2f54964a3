from django.apps import AppConfig


class AssistantsConfig(AppConfig):
    name = "apps.assistants"
    label = "assistants"

    def ready(self) -> None:
        # each assistant hands the lower contexts its part through their registries
        from . import answers, signals
        from .exceptions import registration as exception_advice
        from .spend import registration as spend_coding

        signals.register()
        answers.register()
        exception_advice.register()
        spend_coding.register()
