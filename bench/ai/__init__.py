"""Sections of bench/ai_quality.py, one per assistant: each has `run(args) -> None`, which
prints its measurements (never asserts)."""
