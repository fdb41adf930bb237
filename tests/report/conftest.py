"""Fixtures of the report tests: one real pytest session (subprocess) of round trips on the virtual
phone with the adb-mirror tool and its faulty variants, writing Allure results; headless Chromium;
a loopback web server."""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from filelock import FileLock
from report_testing import REPO, ROUND_TRIPS, AllureRun, Chromium, QuietHandler, chromium_binary


@pytest.fixture(scope="session")
def allure_run(adb_server, tmp_path_factory: pytest.TempPathFactory, plugin_args: list[str]) -> AllureRun:
    """Round trips in a pytest subprocess on two xdist workers (each with its own virtual phone).
    Run once per test session: under xdist the first worker runs it, the others read its results."""
    shared = os.environ.get("PYTEST_XDIST_WORKER") is not None
    root = tmp_path_factory.getbasetemp().parent if shared else tmp_path_factory.getbasetemp()
    folder = root / "allure-run"
    with FileLock(str(root / "allure-run.lock")):
        done = folder / "run.json"
        if done.exists():
            saved = json.loads(done.read_text())
            return AllureRun(folder / "allure-results", saved["stdout"], saved["returncode"], folder)
        folder.mkdir(exist_ok=True)
        run = _run_round_trips(folder, plugin_args)
        done.write_text(json.dumps({"stdout": run.stdout, "returncode": run.returncode}))
        return run


def _run_round_trips(folder: Path, plugin_args: list[str]) -> AllureRun:
    (folder / "test_round_trips.py").write_text(ROUND_TRIPS)
    results = folder / "allure-results"
    results.mkdir(exist_ok=True)
    (results / "stale-result.json").write_text("{}")  # --clean-alluredir must remove it, not our files
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "PHONEBACKUP_")) or k in ("PHONEBACKUP_TOOLS", "PHONEBACKUP_ADB",
                                                                     "PHONEBACKUP_LOCK_DIR", "PHONEBACKUP_MEDIA_CACHE")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "pytest", *plugin_args, "-n", "2", "--phone-emulator", "--phone-storage=1G",
           f"--alluredir={results}", "--clean-alluredir", "-rA", "test_round_trips.py"]
    proc = subprocess.run(cmd, cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=300)
    return AllureRun(results, proc.stdout + proc.stderr, proc.returncode, folder)


# -- a web server and a browser -------------------------------------------------------------------
@pytest.fixture
def serve():
    """`serve(folder)` -> base URL of a static server on 127.0.0.1 (stopped after the test)."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def chromium():
    binary = chromium_binary()
    if binary is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)")
    browser = Chromium(binary)
    yield browser
    browser.close()
