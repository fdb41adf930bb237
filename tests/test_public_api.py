"""The public API works without pytest: every name in `pytest_phonebackup.__all__` imports in a
Python where `import pytest` fails, and the README's script example runs a whole round trip there."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"

# `sys.modules[name] = None` makes any later `import name` raise ImportError.
BLOCK_PYTEST = "import sys\nfor _name in ('pytest', '_pytest', 'allure', 'allure_commons'):\n    sys.modules[_name] = None\n"

PUBLIC_NAMES = [
    "Phone", "PhoneLike", "RoundTrip", "Gallery", "Manifest", "MediaItem", "Policy", "load_app", "BackupApp",
    "verify", "Report", "Verdict", "ItemVerdict", "RoundTripObserver", "observing", "VirtualProvisioner", "AvdProvisioner", "AttachedProvisioner",
    "PhoneBackupError", "InfrastructureError", "PhoneError", "ScenarioError", "SafetyError", "BackupToolError",
]


def run_without_pytest(code: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", BLOCK_PYTEST + code], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_every_public_name_imports_with_pytest_blocked(tmp_path):
    code = textwrap.dedent(f"""
        import inspect
        import pytest_phonebackup as pb
        names = {PUBLIC_NAMES!r}
        missing = [n for n in names if n not in pb.__all__]
        assert not missing, f"not in __all__: {{missing}}"
        for name in pb.__all__:
            getattr(pb, name)
        assert inspect.isfunction(pb.verify), pb.verify
        assert inspect.isfunction(pb.load_app), pb.load_app
        assert issubclass(pb.PhoneError, pb.PhoneBackupError)
        assert str(pb.Verdict("intact")) == "intact"
        print("ok", len(pb.__all__))
    """)
    done = run_without_pytest(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok ")
    assert int(done.stdout.split()[1]) >= len(PUBLIC_NAMES)


def test_the_standalone_virtual_phone_loads_none_of_the_harness(tmp_path):
    code = "import sys\nimport pytest_phonebackup.virtual.device\n" \
           "print(sorted(m for m in sys.modules if m.startswith('pytest_phonebackup.') " \
           "and not m.startswith('pytest_phonebackup.virtual')))"
    done = run_without_pytest(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def readme_script() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("```python\n# round_trip.py")
    return text[start + len("```python\n"): text.index("```", start + 10)]


def test_the_readme_script_runs_a_round_trip_without_pytest(tmp_path):
    script = readme_script()
    assert "from pytest_phonebackup import" in script
    done = run_without_pytest(script, tmp_path, timeout=400)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "intact" in done.stdout
    assert (tmp_path / "round-trip" / "report.json").is_file()
