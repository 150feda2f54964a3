"""Compute every client tenant's daily figures for its partner, back over N days (the hourly
job keeps today and yesterday; the demo and a new installation fill the history with this)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.insights.partner import client_days_roll_up


class Command(BaseCommand):
    help = "Roll up each client tenant's figures for its last N days (its own time zone)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=2, help="days back, today included")

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        if days < 1:
            raise CommandError("--days must be at least 1")
        counts = client_days_roll_up(days=days)
        self.stdout.write(
            f"{counts['days']} days of {counts['tenants']} tenants rolled up"
            + (f", {counts['failed']} tenants failed" if counts["failed"] else "")
        )
