"""Fault scenarios of the demo: the on-device Cloud Photos app meeting the failures users hit,
judged by the harness (a paused backup is not data loss; after recovery the round trip verifies)."""
