"""Toybox-compatible applets. Importing this package registers every applet."""

from . import basic  # noqa: F401
