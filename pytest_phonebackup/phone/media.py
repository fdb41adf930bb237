"""MediaStore on a phone: asking the media scanner to index files, and reading its rows back
(`content query`, whose output is parsed here). Not for writing media (see media/).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from .transport import Transport


class MediaStore(Transport):
    """media_scan and query_media."""

    def media_scan(self, paths: Iterable[str] | None = None) -> None:
        """Make MediaStore index `paths` (the MEDIA_SCANNER_SCAN_FILE broadcast), or the whole
        external volume when None."""
        if paths is None:
            self.shell("content call --uri content://media/external/file --method scan_volume "
                       "--arg external_primary")
            return
        for path in paths:
            self.shell("am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d "
                       + shlex.quote("file://" + path))

    def query_media(self, uri: str = "content://media/external/images/media",
                    projection: Iterable[str] | None = None, where: str | None = None) -> list[dict[str, str]]:
        """Rows of `content query` as dicts of text ('NULL' stays 'NULL')."""
        columns = list(projection or [])
        cmd = f"content query --uri {shlex.quote(uri)}"
        if columns:
            cmd += " --projection " + shlex.quote(":".join(columns))
        if where:
            cmd += " --where " + shlex.quote(where)
        return parse_content_rows(self.shell(cmd).stdout, columns)


def parse_content_rows(output: str, columns: list[str]) -> list[dict[str, str]]:
    """Rows printed by `content query` ("Row: 0 _id=1, _display_name=a, b.jpg, size=3").

    Values may contain ", ", so when the projection is known only its column names split a row.
    """
    rows: list[dict[str, str]] = []
    for match in re.finditer(r"^Row: \d+ (.*?)(?=^Row: \d+ |\Z)", output, re.M | re.S):
        body = match.group(1).rstrip("\n")
        if columns:
            names = "|".join(re.escape(name) for name in columns)
            pattern = rf"(?:^|, )({names})="
        else:
            pattern = r"(?:^|, )([A-Za-z_][A-Za-z0-9_]*)="
        keys = list(re.finditer(pattern, body))
        row: dict[str, str] = {}
        for i, key in enumerate(keys):
            end = keys[i + 1].start() if i + 1 < len(keys) else len(body)
            row[key.group(1)] = body[key.end():end]
        rows.append(row)
    return rows


