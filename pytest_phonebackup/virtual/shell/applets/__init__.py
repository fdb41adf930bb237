"""Toybox-compatible applets. Importing this package registers every applet."""

from . import files, hashing, misc, sed, text  # noqa: F401
