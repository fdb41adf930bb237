"""Toybox-compatible applets, declared with `@applet` in the modules below; `toybox()` collects
them into a fresh table (importing this package registers nothing anywhere)."""

from __future__ import annotations

from ..api import Applets
from . import awk, expr, files, hashing, misc, running, scheduling, sed, terminal, text, utility

#: The modules whose `@applet` functions make up toybox.
TOYBOX_MODULES = (*awk.MODULES, *files.MODULES, expr, hashing, misc, running, scheduling, sed, terminal,
                  *text.MODULES, utility)


def toybox() -> Applets:
    """A new table of every toybox applet."""
    return Applets.collect(TOYBOX_MODULES)
