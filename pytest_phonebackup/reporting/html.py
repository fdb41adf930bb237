"""The verdict table of one verification as a self-contained HTML page (seeded and restored
thumbnails side by side for every item that is not intact, a difference image for re-encoded
pictures) and as CSV. Not for judging (verify.py) or for talking to Allure (reporting.allure).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
from pathlib import Path
from typing import Any

from ..manifest import Manifest, MediaItem
from ..names import display
from ..verification import STAGES, Report
from ..verification import ItemVerdict as Verdict
from ..verification import safe_suffix as _safe_suffix

THUMB = 150  # pixels, longest side
REGENERATE_MAX_BYTES = 30 * 1000**2  # originals bigger than this are not made again just for a thumbnail
CSV_COLUMNS = ["verdict", "ok", "mark", "path", "found", "kind", "size", "reason", "details", "stage"]
COLOURS = {"intact": "#2e7d32", "skipped-as-promised": "#607d8b", "renamed": "#f9a825", "moved": "#f9a825",
           "recompressed": "#ef6c00", "timestamp-changed": "#ef6c00", "duplicated": "#8e24aa", "extra": "#8e24aa",
           "metadata-lost": "#d84315", "corrupted": "#c62828", "missing": "#b71c1c", "stale": "#c62828",
           "resurrected": "#8e24aa", "not-selected": "#607d8b",
           "restored-unselected": "#8e24aa", "plaintext-in-backup": "#b71c1c"}


def verdict_table_csv(report: Report) -> str:
    """Every verdict as one CSV row (worst first), for spreadsheets and diffing between runs; names
    as `display` shows them (report.json keeps their exact bytes)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for v in _ordered(report.verdicts):
        writer.writerow([v.verdict, "yes" if v.ok else "no", v.mark, display(v.path), display(v.found or ""),
                         v.kind, v.size, v.reason, _details_text(v.details, short=False),
                         STAGES.get(v.stage, "")])
    return out.getvalue()


def verdict_table_html(report: Report, manifest: Manifest, workdir: str | Path) -> str:
    """A page a developer reads first: counts, then every item that is not intact with thumbnails of
    what was seeded and what came back. Images are data URIs, so the page stands alone."""
    workdir = Path(workdir)
    originals = Originals(manifest, workdir)
    items = {item.path: item for item in manifest.items}
    not_intact = [v for v in _ordered(report.verdicts) if v.verdict != "intact"]
    rows = [_row(v, items.get(v.path), originals, workdir, report) for v in not_intact]
    counts = " ".join(f'<span class="chip" style="background:{COLOURS.get(k, "#555")}">{n} {html.escape(k)}</span>'
                      for k, n in report.counts.items())
    status = "verified" if report.ok else f"FAILED &mdash; worst verdict: {html.escape(report.worst)}"
    intact = report.counts.get("intact", 0)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>verdicts {html.escape(report.profile)} seed {report.seed}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 12px; color: #222; }}
h1 {{ font-size: 18px; margin: 0 0 6px; }} .meta {{ color: #555; margin-bottom: 8px; }}
.chip {{ color: #fff; border-radius: 10px; padding: 1px 8px; margin-right: 4px; white-space: nowrap; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; }} th, td {{ border-bottom: 1px solid #ddd; padding: 6px; vertical-align: top; text-align: left; }}
th {{ background: #f4f4f4; }} td.pic {{ width: {THUMB + 12}px; text-align: center; }}
td.pic img {{ max-width: {THUMB}px; max-height: {THUMB}px; border: 1px solid #ccc; }}
.none {{ display: inline-block; width: {THUMB}px; padding: 30px 0; background: #fafafa; color: #888; border: 1px dashed #ccc; }}
.verdict {{ font-weight: bold; }} .path {{ font-family: monospace; word-break: break-all; }}
.small {{ color: #666; font-size: 12px; overflow-wrap: anywhere; }} col.pic {{ width: {THUMB + 14}px; }}
</style></head><body>
<h1 class="status">Round trip {status}</h1>
<div class="meta">app {html.escape(report.app or "?")} &middot; profile {html.escape(report.profile)} &middot; seed {report.seed}
 &middot; phone {html.escape(report.serial)} &middot; {len(report.verdicts)} verdicts, {intact} intact</div>
<div class="counts">{counts}</div>
<p class="small">Every item that is not intact, worst first. Seeded = the generated original; restored = the file pulled
back from the phone after the restore.</p>
<table id="verdicts"><colgroup><col><col class="pic"><col class="pic"><col class="pic"></colgroup>
<thead><tr><th>item and verdict</th><th>seeded</th><th>restored</th><th>difference</th></tr></thead>
<tbody>
{"".join(rows) or '<tr><td colspan="4">every item is intact</td></tr>'}
</tbody></table></body></html>
"""


def _row(v: Verdict, item: MediaItem | None, originals: Originals, workdir: Path, report: Report) -> str:
    original = originals.path(item) if item is not None else None
    restored = restored_copy(v, workdir, original)
    seeded_img = _thumb_cell(original, "not seeded" if item is None else "original not available")
    restored_img = _thumb_cell(restored, "not restored" if v.found is None else "not pulled")
    diff = ""
    if original is not None and restored is not None and v.verdict in ("recompressed", "corrupted", "metadata-lost"):
        diff_uri = difference_uri(original, restored)
        if diff_uri:
            distance = v.details.get("pixel_distance")
            caption = f"mean pixel difference {distance} of 255" if distance is not None else "pixel difference, amplified"
            diff = f'<img class="diff" alt="difference" src="{diff_uri}"><div class="small">{html.escape(caption)}</div>'
    found = f'<div class="small">found at <span class="path">{html.escape(display(v.found))}</span></div>' \
        if v.found and v.found != v.path else ""
    acceptable = "" if not v.ok else ' <span class="small">(acceptable under the policy)</span>'
    return (f'<tr class="item {html.escape(v.verdict)}"><td><span class="verdict" style="color:{COLOURS.get(v.verdict, "#333")}">'
            f'{html.escape(v.verdict)}</span>{acceptable}<div class="path">{html.escape(display(v.path))}</div>{found}'
            f'<div>{html.escape(v.reason)}</div>{_stage(v)}'
            f'<div class="small">{html.escape(v.kind)} {v.size:,} bytes; {html.escape(_details_text(v.details))}</div></td>'
            f'<td class="pic seeded">{seeded_img}</td><td class="pic restored">{restored_img}</td>'
            f'<td class="pic diff">{diff}</td></tr>\n')


def _thumb_cell(path: Path | None, missing: str) -> str:
    uri = thumbnail_uri(path) if path is not None else None
    if uri is None:
        return f'<span class="none">{html.escape(missing if path is None else "no preview")}</span>'
    return f'<img alt="thumbnail" src="{uri}">'


# -- files behind the thumbnails ----------------------------------------------------------------
class Originals:
    """The seeded files: from the manifest's source folder, else made again from the profile and
    seed (generation is deterministic; the hash must match the manifest's or it is not used)."""

    def __init__(self, manifest: Manifest, workdir: Path):
        self.manifest = manifest
        self.folder = workdir / "originals-remade"  # not "originals": the round trip keeps its own there
        self._profile: Any = None

    def path(self, item: MediaItem) -> Path | None:
        if self.manifest.source_dir:
            candidate = Path(self.manifest.source_dir) / item.path
            if candidate.is_file() and candidate.stat().st_size == item.size:
                return candidate
        return self._regenerate(item)

    def _regenerate(self, item: MediaItem) -> Path | None:
        if not item.id or item.size > REGENERATE_MAX_BYTES:
            return None
        dest = self.folder / (hashlib.sha1(item.path.encode("utf-8", "surrogateescape")).hexdigest()[:16]
                              + _safe_suffix(item.path))
        if not dest.is_file():
            try:
                from ..media.cache import Cache
                from ..media.catalog import load_profile
                from ..media.generate import make_one

                if self._profile is None:
                    self._profile = load_profile(self.manifest.profile, self.manifest.seed)
                spec = next(s for s in self._profile.specs if s.id == item.id)
                if spec.copy_of:
                    spec = next(s for s in self._profile.specs if s.id == spec.copy_of)
                dest.parent.mkdir(parents=True, exist_ok=True)
                make_one(spec, dest, Cache())
            except Exception:  # noqa: BLE001 - a custom profile moved away: no seeded thumbnail, nothing worse
                return None
        if hashlib.sha256(dest.read_bytes()).hexdigest() != item.sha256:
            return None
        return dest


def restored_copy(v: Verdict, workdir: Path, original: Path | None) -> Path | None:
    """The restored file as the verifier pulled it (same naming as Verifier.pull); for items that
    came back with the same bytes, the original shows what came back."""
    if v.found is None:
        return None
    pulled = workdir / "pulled" / (hashlib.sha1(v.found.encode("utf-8", "surrogateescape")).hexdigest()[:16]
                                   + _safe_suffix(v.found))
    if pulled.is_file():
        return pulled
    if v.verdict in ("renamed", "moved", "timestamp-changed", "duplicated", "skipped-as-promised",
                     "restored-unselected", "plaintext-in-backup"):
        return original
    return None


# -- pictures ---------------------------------------------------------------------------------
def _open_image(path: Path) -> Any:
    """A PIL image of a photo, or of a video's first frame; None when it does not decode."""
    from PIL import Image, ImageOps

    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # pragma: no cover - HEIC previews only
        pass
    try:
        im: Any = Image.open(path)
        im.draft("RGB", (THUMB * 2, THUMB * 2))
        im = ImageOps.exif_transpose(im)
        im.load()
        return im
    except Exception:  # noqa: BLE001 - not a picture: maybe a video
        pass
    try:
        import av

        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                return frame.to_image()  # type: ignore[no-untyped-call,unused-ignore]  # PyAV has no hints here
    except Exception:  # noqa: BLE001
        return None
    return None


def thumbnail_uri(path: Path, size: int = THUMB) -> str | None:
    """A small JPEG of a picture (or a video's first frame) as a data URI; None if it does not decode."""
    im = _open_image(path)
    if im is None:
        return None
    im = im.convert("RGB")
    im.thumbnail((size, size))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def difference_uri(a: Path, b: Path, size: int = THUMB) -> str | None:
    """Where two pictures differ, amplified so re-encoding noise shows (black = same); a PNG data URI."""
    from PIL import ImageChops

    ia, ib = _open_image(a), _open_image(b)
    if ia is None or ib is None:
        return None
    ia = ia.convert("RGB")
    ia.thumbnail((size, size))
    ib = ib.convert("RGB").resize(ia.size)
    diff = ImageChops.difference(ia, ib).point(lambda x: min(255, x * 8))
    buf = io.BytesIO()
    diff.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _stage(v: Verdict) -> str:
    """Where the loss happened, for every verdict but intact once the backup was inspected."""
    return f'<div class="stage small">{html.escape(STAGES[v.stage])}</div>' if v.stage in STAGES else ""


def _ordered(verdicts: list[Verdict]) -> list[Verdict]:
    from ..verification import VERDICTS

    return sorted(verdicts, key=lambda v: (v.ok, -VERDICTS.index(v.verdict) if v.verdict in VERDICTS else 0, v.path))


def _details_text(details: dict[str, Any], short: bool = True) -> str:
    def show(value: Any) -> str:
        # Hashes are for machines (report.json has them whole); twelve digits tell two files apart.
        return value[:12] + "…" if short and isinstance(value, str) and len(value) == 64 else str(value)

    parts = [f"{k}={show(v)}" for k, v in details.items() if k != "also" and v is not None]
    if details.get("also"):
        parts.append("also " + " | ".join(details["also"]))
    return "; ".join(parts)
