"""Writes of retention: legal holds (holds.py) and the purge (purge.py)."""
