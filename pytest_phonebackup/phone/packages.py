"""Apps on a phone: install (remembered, so cleanup uninstalls it), uninstall, clear data, start and
stop. Uninstalling what the harness did not install, and clearing data, count as destructive on
hardware. Not for driving an app's UI (see apps/).
"""

from __future__ import annotations

import shlex
import uuid
from pathlib import Path

from ..errors import PhoneError
from .ownership import Ownership
from .transport import TMP_DIR


class Packages(Ownership):
    """install, uninstall, clear_app_data, start_app, stop_app."""

    def install(self, apk: str | Path, *flags: str) -> str:
        """Install an APK (replacing an older version); returns its package name when pm tells."""
        apk = Path(apk)
        remote = f"{TMP_DIR}/phonebackup-{uuid.uuid4().hex[:8]}.apk"
        with self._sync() as sync:
            sync.send(apk, remote, None, 0, apk.stat().st_size)
        try:
            result = self.shell(f"pm install -r -t {' '.join(flags)} {remote}", check=False, timeout=300)
        finally:
            self.shell(f"rm -f {remote}", check=False)
        if "Success" not in result.stdout:
            raise PhoneError(f"{self.serial}: installing {apk.name} failed: "
                             f"{(result.stdout + result.stderr).strip() or f'status {result.status}'}")
        package = _apk_package(apk)
        if package:
            self.installed.add(package)
        return package

    def uninstall(self, package: str) -> None:
        """Uninstall a package. Packages this harness did not install count as destructive on hardware."""
        if package not in self.installed:
            self.require_wipe_allowed(f"uninstall {package}")
        result = self.shell(f"pm uninstall {shlex.quote(package)}", check=False)
        if "Success" not in result.stdout:
            raise PhoneError(f"{self.serial}: uninstalling {package} failed: "
                             f"{(result.stdout + result.stderr).strip()}")
        self.installed.discard(package)

    def clear_app_data(self, package: str) -> None:
        """`pm clear`: destructive, refused on hardware without allow_wipe."""
        self.require_wipe_allowed(f"clear the data of {package}")
        self.shell(f"pm clear {shlex.quote(package)}")

    def start_app(self, component: str) -> None:
        """Start `package/.Activity`, or a package's launcher activity when given a package only."""
        if "/" in component:
            result = self.shell(f"am start -W -n {shlex.quote(component)}", check=False)
        else:
            result = self.shell(f"monkey -p {shlex.quote(component)} -c android.intent.category.LAUNCHER 1",
                                check=False)
        text = result.stdout + result.stderr
        if result.status != 0 or "Error" in text or "No activities found" in text:
            raise PhoneError(f"{self.serial}: cannot start {component}: {text.strip() or result.status}")

    def stop_app(self, package: str) -> None:
        self.shell(f"am force-stop {shlex.quote(package)}")


def _apk_package(apk: Path) -> str:
    try:
        from pyaxmlparser import APK

        return APK(str(apk)).package or ""
    except Exception:  # noqa: BLE001 - a package name is a convenience, not required for the install
        return ""
