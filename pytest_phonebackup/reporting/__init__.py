"""Reporting of round trips: what kind of loss a failure is and its message (summary), the files of
an Allure results folder (categories), the verdict table (html), the Allure adapter (allure, the only
importer of allure) and `phonebackup report` (cli). Importing this package does not import Allure.
"""

from __future__ import annotations

from .categories import categories, category_of, environment_properties, write_session_files
from .notes import NoteTaker, RoundTripNote, TestNotes
from .summary import LOSS_KINDS, LossKind, failure_message, loss_kind, severity

__all__ = ["LOSS_KINDS", "LossKind", "NoteTaker", "RoundTripNote", "TestNotes", "categories", "category_of",
           "environment_properties", "failure_message", "loss_kind", "severity", "write_session_files"]
