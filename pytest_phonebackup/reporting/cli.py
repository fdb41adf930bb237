"""`phonebackup report`: render an Allure results folder to one self-contained HTML file (Allure 3's
single-file report, which opens from disk) with the pinned Allure command line (npm package `allure`,
runs on Node) from the project-local tools folder, and optionally open it. Not for writing results
(reporting.allure and the pytest run do that).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import subprocess
import sys
import tempfile
import webbrowser
from pathlib import Path
from typing import Any

from ..errors import ReportError
from ..files import write_json
from ..nodetools import node_tool, tools_dir

INSTALL_HINT = "phonebackup tools install"


def allure_binary() -> Path:
    """The project-local Allure CLI, or a ReportError naming the install command."""
    binary = node_tool("allure")
    if not binary.exists():
        raise ReportError(f"the Allure command line is not installed in {tools_dir()}; "
                          f"run `{INSTALL_HINT}` (needs Node.js and npm), or set PHONEBACKUP_TOOLS to the folder "
                          "where it is installed")
    return binary


def allure_config(results: Path, name: str) -> dict[str, Any]:
    """An Allure 3 configuration: the Awesome report as a single file (its data inside the page, so a
    browser opens it over file://, where it refuses the fetches of the multi-file form), with the
    results folder's categories.json (Allure 3 takes categories from its configuration;
    allure-pytest's Allure 2 form is read from the results folder)."""
    config: dict[str, Any] = {"name": name,
                              "plugins": {"awesome": {"options": {"reportName": name, "singleFile": True,
                                                                    "groupBy": ["feature"]}}}}
    cats = results / "categories.json"
    if cats.is_file():
        try:
            rules = json.loads(cats.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ReportError(f"{cats} is not valid JSON ({exc}); delete it or rerun pytest to rewrite it") from None
        config["categories"] = [{k: v for k, v in rule.items() if k != "description"} for rule in rules]
    return config


def render(results: str | Path, out: str | Path, name: str = "Phone backup round trips",
           timeout: float = 300) -> Path:
    """Generate the HTML report of `results` into `out`; returns the index.html path."""
    results, out = Path(results).resolve(), Path(out).resolve()
    if not results.is_dir() or not any(results.glob("*-result.json")):
        raise ReportError(f"no Allure results in {results}; run pytest with --alluredir={results} first")
    binary = allure_binary()
    with tempfile.TemporaryDirectory(prefix="phonebackup-allure-") as tmp:
        config = Path(tmp) / "allurerc.json"
        write_json(config, allure_config(results, name))
        cmd = [str(binary), "generate", str(results), "--output", str(out), "--config", str(config)]
        try:
            proc = subprocess.run(cmd, cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ReportError(f"allure generate did not finish within {timeout:g} s") from None
    index = out / "index.html"
    if proc.returncode != 0 or not index.is_file():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise ReportError(f"allure generate exited with status {proc.returncode}:\n{tail}")
    index.write_text(without_analytics(index.read_text(encoding="utf-8")), encoding="utf-8")
    return index


# The Awesome page loads Google Analytics and has no option to turn it off: a report of phone data
# opened from disk stays on the machine.
_ANALYTICS = re.compile(r"<script async src=\"https://www\.googletagmanager\.com/[^\"]*\"></script>\s*"
                        r"<script>\s*window\.dataLayer[\s\S]*?</script>\s*")


def without_analytics(page: str) -> str:
    """The report page without its analytics scripts (the page is unchanged if it has none)."""
    return _ANALYTICS.sub("", page, count=1)


LOOPBACK = "127.0.0.1"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return None


def serve_report(out: Path, port: int | None = None) -> http.server.ThreadingHTTPServer:
    """A static server for the report folder, bound to loopback only (never to all interfaces)."""
    handler = functools.partial(_QuietHandler, directory=str(out))
    try:
        return http.server.ThreadingHTTPServer((LOOPBACK, port or 0), handler)
    except OSError as exc:
        raise ReportError(f"cannot serve the report on {LOOPBACK}:{port or 0} ({exc.strerror or exc}); "
                          "pass another --port") from None


def open_report(out: Path, port: int | None = None) -> int:
    """Serve the report on 127.0.0.1 and open it in the default browser (until Ctrl-C)."""
    try:
        server = serve_report(out, port)
    except ReportError as exc:
        print(f"phonebackup report: {exc}", file=sys.stderr)
        return 2
    url = f"http://{LOOPBACK}:{server.server_address[1]}/index.html"
    print(f"Serving the report at {url} (Ctrl-C stops)")
    webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("report", help="render Allure results to one HTML file with the pinned Allure CLI",
                                   description="Render an Allure results folder to OUT/index.html, a single file "
                                   "that opens from disk. Like `allure generate RESULTS -o OUT`.")
    parser.add_argument("results_dir", nargs="?", type=Path, default=None, metavar="RESULTS",
                        help="Allure results folder, as given to pytest --alluredir (default: allure-results)")
    parser.add_argument("--results", dest="results", type=Path, default=None, metavar="RESULTS",
                        help="the same, as an option")
    parser.add_argument("-o", "--out", "--output", dest="out", default=Path("allure-report"), type=Path,
                        help="output folder of index.html (default: allure-report)")
    parser.add_argument("--name", default="Phone backup round trips", help="the report's title")
    parser.add_argument("--open", action="store_true", help="serve the report and open it in a browser")
    parser.add_argument("--port", type=int, default=None, help="port for --open (default: any free one)")
    parser.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    if args.results_dir is not None and args.results is not None and args.results_dir != args.results:
        print(f"phonebackup report: two results folders given ({args.results_dir} and --results {args.results}); "
              "give one", file=sys.stderr)
        return 2
    results = args.results_dir or args.results or Path("allure-results")
    try:
        index = render(results, args.out, args.name)
    except ReportError as exc:
        print(f"phonebackup report: {exc}", file=sys.stderr)
        return 2
    print(f"Allure report: {index}")
    if args.open:
        return open_report(index.parent, args.port)
    return 0
