"""MediaStore of the virtual phone: the media index that `content query` and apps read, filled
by scans of shared storage (broadcasts, `scan_volume`, boot). Not for the files themselves (see
`storage`) nor for generating media (see `pytest_phonebackup.media`).
"""

from __future__ import annotations

from typing import Any


class MediaStore:
    """The phone's media database (MediaProvider). One per phone, persisted in `phone.state_dir`."""

    def __init__(self, phone: Any):
        self.phone = phone
