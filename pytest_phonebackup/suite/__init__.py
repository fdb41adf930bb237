"""The built-in round-trip suite: the standard round trips against your own backup tool, with no
test of your own to write:

    pytest --phone-emulator --phone-backup-app my-tool.yaml --pyargs pytest_phonebackup.suite

One test per media profile (`--phone-media-profile` narrows it), restoring to the same phone and to
a new one; `--phone-seed` makes a run reproducible (the seed is named in every failure).
"""

DEFAULT_PROFILES = ("smoke", "edge", "formats", "stress")  # `huge` (multi-GB videos) only when asked for
