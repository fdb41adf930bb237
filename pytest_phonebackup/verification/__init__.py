"""Round-trip verification: the expected Manifest against what is on the phone after a restore, one
ItemVerdict per seeded item (plus duplicates and extras), gathered in a Report. model (the verdicts and
the report), matching (pure pairing of items and files), compare (file contents on the host), judging
(verdicts under the Policy), cli (`phonebackup verify`). Takes a PhoneLike; never speaks ADB itself.
"""

from .judging import HASH_BATCH, Verifier, pulled_name, safe_suffix, verify
from .matching import Found, Pairing, pair_by_content, pair_by_pixels
from .model import MARKS, STAGES, VERDICTS, ItemVerdict, Report, Verdict

__all__ = ["HASH_BATCH", "MARKS", "VERDICTS", "Found", "ItemVerdict", "Pairing", "Report", "STAGES", "Verdict", "Verifier",
           "pair_by_content", "pair_by_pixels", "pulled_name", "safe_suffix", "verify"]
