"""`phonebackup report --open` serves the report on loopback alone, never on all interfaces."""

from __future__ import annotations

import os
import threading
import urllib.request

import psutil
import pytest

from pytest_phonebackup.errors import ReportError
from pytest_phonebackup.reporting.cli import serve_report


def test_the_report_server_listens_on_127_0_0_1_only(tmp_path):
    (tmp_path / "index.html").write_text("<h1>round trips</h1>", encoding="utf-8")
    server = serve_report(tmp_path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        listening = [c for c in psutil.Process(os.getpid()).net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
        assert [c.laddr.ip for c in listening] == ["127.0.0.1"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as reply:
            assert reply.read() == b"<h1>round trips</h1>"
    finally:
        server.shutdown()
        server.server_close()


def test_a_port_in_use_is_a_report_error_asking_for_another(tmp_path):
    first = serve_report(tmp_path)
    try:
        with pytest.raises(ReportError, match=r"cannot serve the report on 127\.0\.0\.1:\d+ .*pass another --port"):
            serve_report(tmp_path, first.server_address[1])
    finally:
        first.server_close()
