"""The virtual phone stands alone: nothing under pytest_phonebackup/virtual imports another part of
pytest_phonebackup, and a phone runs with none of the harness loaded."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest_phonebackup.virtual

VIRTUAL = Path(pytest_phonebackup.virtual.__file__).parent
PACKAGE = "pytest_phonebackup.virtual"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    here = [*path.relative_to(VIRTUAL.parent.parent).with_suffix("").parts]
    if path.name == "__init__.py":
        here = here[:-1]
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                found.append((node.lineno, ".".join([*base, *([node.module] if node.module else [])])))
            else:
                found.append((node.lineno, node.module or ""))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_no_module_of_the_virtual_phone_imports_the_harness():
    leaks = [f"{path.relative_to(VIRTUAL)}:{line}: {module}"
             for path in sorted(VIRTUAL.rglob("*.py"))
             for line, module in imported_modules(path)
             if module.startswith("pytest_phonebackup") and not (module == PACKAGE or module.startswith(PACKAGE + "."))]
    assert leaks == []


def test_a_phone_runs_commands_with_none_of_the_harness_loaded(tmp_path):
    script = (
        "import sys\n"
        "from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone\n"
        "from pytest_phonebackup.virtual import spawn, cli\n"
        f"phone = VirtualPhone(PhoneConfig(data_dir={str(tmp_path)!r}, register_with_adb=False))\n"
        "status, out, err = phone.sh('getprop ro.phonebackup.virtual; echo hi | sed s/hi/ok/')\n"
        "phone.close()\n"
        "print(out.decode(), end='')\n"
        "print(sorted(m for m in sys.modules if m.startswith('pytest_phonebackup')"
        " and not m.startswith('pytest_phonebackup.virtual')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == "1\nok\n['pytest_phonebackup']\n"
