from importlib import import_module

from django.apps import AppConfig


class AssistantsConfig(AppConfig):
    name = "apps.assistants"
    label = "assistants"

    def ready(self) -> None:
        import_module("apps.assistants.signals").register()
        import_module("apps.assistants.answers").register()
