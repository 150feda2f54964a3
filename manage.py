#!/usr/bin/env python
import os
import sys
from pathlib import Path


def _with_embedded_services() -> None:
    """Under the development settings with no DATABASE_URL, run the command with `make demo`'s
    embedded PostgreSQL and Redis (reused while the demo runs, started for this command
    otherwise), so `.venv/bin/python manage.py …` works as the README writes it."""
    if os.environ.get("DATABASE_URL") or os.environ["DJANGO_SETTINGS_MODULE"] != (
        "config.settings.local"
    ):
        return
    devstack = Path(__file__).resolve().parent / "scripts" / "devstack.py"
    argv = [sys.executable, str(devstack), "run", "--", sys.executable, *sys.argv]
    os.execv(sys.executable, argv)  # noqa: S606 (our own interpreter and script)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    _with_embedded_services()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
