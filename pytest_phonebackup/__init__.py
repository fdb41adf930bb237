"""pytest-phonebackup: prove that phone backup apps bring every photo back.

Provisions Android phones (the embedded virtual phone, SDK emulators, attached phones), seeds
generated media, drives the backup app under test, restores and verifies the round trip.
"""

__version__ = "0.1.0"
