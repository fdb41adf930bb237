"""The plugin as pytest loads it from its entry point, in a fresh interpreter outside this checkout."""

from __future__ import annotations

import subprocess
import sys


def test_the_plugin_loads_without_warnings_and_its_asserts_are_rewritten(tmp_path):
    (tmp_path / "test_uses_plugin.py").write_text(
        "from pytest_phonebackup.plugin import PhoneFactory\n"
        "def test_plain():\n"
        "    assert PhoneFactory.__name__ == 'PhoneFactory'\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", "test_uses_plugin.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "cannot be rewritten" not in proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
