from django.apps import AppConfig


class AssistantsConfig(AppConfig):
    name = "apps.assistants"
    label = "assistants"

    def ready(self) -> None:
        # each assistant hands the lower contexts its part through their registries
        from . import answers, signals
        from .exceptions import registration as exception_advice

        signals.register()
        answers.register()
        exception_advice.register()
