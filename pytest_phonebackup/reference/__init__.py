"""The reference backup tool the harness is proven against: adb-mirror (`mirror.py`), a desktop tool
that backs up and restores a phone over ADB, and its deliberate defects (`defects.py`), each breaking
a restore in one known way. A tool under test: it imports nothing else from pytest_phonebackup.
"""
