"""Toybox-compatible applets. Importing this package registers every applet."""

from . import basic, hashing, misc, sed, text  # noqa: F401
