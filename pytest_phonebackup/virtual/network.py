"""Connectivity: Wi-Fi, mobile data and airplane mode kept in the settings tables so every view
agrees; svc, cmd connectivity/wifi, dumpsys wifi/connectivity, and listeners for apps.
Not real networking: apps reach loopback servers whatever the state says.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .androidtool import phone_of
from .dumpsys import ServiceCommands
from .shell.api import Context, applet

WIFI_SSID = "AndroidWifi"  # the emulator's virtual access point
WIFI_BSSID = "00:13:10:85:fe:01"
WIFI_IP = "10.0.2.16"
MOBILE_IP = "10.0.2.15"
KEYS = ("wifi_on", "mobile_data", "airplane_mode_on")


class Network:
    """What apps see: `wifi_connected`, `mobile_connected`, `online`, and change listeners
    (`network.listeners.append(callback)`; callback(network) runs after every change)."""

    def __init__(self, system: Any):
        self.system = system
        self.settings = system.settings
        self.listeners: list[Callable[[Network], None]] = []
        self._lock = threading.Lock()
        self._network_ids = iter(range(100, 1_000_000))
        self._wifi_id: int | None = None
        self._mobile_id: int | None = None
        self._wifi_before_airplane = True
        self._last = self._snapshot()
        self._assign_ids()
        self.settings.listeners.append(self._setting_changed)

    # -- state -----------------------------------------------------------------------------------
    def _flag(self, name: str) -> bool:
        return self.settings.get("global", name) == "1"

    @property
    def airplane_mode(self) -> bool:
        return self._flag("airplane_mode_on")

    @property
    def wifi_enabled(self) -> bool:
        return self._flag("wifi_on")

    @property
    def data_enabled(self) -> bool:
        return self._flag("mobile_data")

    @property
    def wifi_connected(self) -> bool:
        return self.wifi_enabled

    @property
    def mobile_connected(self) -> bool:
        return self.data_enabled and not self.airplane_mode

    @property
    def online(self) -> bool:
        return self.wifi_connected or self.mobile_connected

    @property
    def default_transport(self) -> str | None:
        """'WIFI', 'CELLULAR' or None: Android prefers Wi-Fi when both are up."""
        if self.wifi_connected:
            return "WIFI"
        if self.mobile_connected:
            return "CELLULAR"
        return None

    # -- switches ----------------------------------------------------------------------------------
    def set_wifi(self, enabled: bool) -> None:
        self.settings.put("global", "wifi_on", "1" if enabled else "0")

    def set_data(self, enabled: bool) -> None:
        self.settings.put("global", "mobile_data", "1" if enabled else "0")

    def set_airplane_mode(self, enabled: bool) -> None:
        """Airplane mode turns Wi-Fi off and restores it when it ends, as Android does by default."""
        if enabled == self.airplane_mode:
            return
        if enabled:
            self._wifi_before_airplane = self.wifi_enabled
            self.settings.put("global", "airplane_mode_on", "1")
            self.set_wifi(False)
        else:
            self.settings.put("global", "airplane_mode_on", "0")
            self.set_wifi(self._wifi_before_airplane)
        self.system.broadcast_system("android.intent.action.AIRPLANE_MODE", {"state": enabled})

    # -- change tracking ---------------------------------------------------------------------------
    def _snapshot(self) -> tuple[bool, bool]:
        return self.wifi_connected, self.mobile_connected

    def _assign_ids(self) -> None:
        wifi, mobile = self._snapshot()
        if wifi and self._wifi_id is None:
            self._wifi_id = next(self._network_ids)
        if not wifi:
            self._wifi_id = None
        if mobile and self._mobile_id is None:
            self._mobile_id = next(self._network_ids)
        if not mobile:
            self._mobile_id = None

    def _setting_changed(self, namespace: str, name: str, value: str | None) -> None:
        if namespace != "global" or name not in KEYS:
            return
        with self._lock:
            before, now = self._last, self._snapshot()
            self._last = now
            self._assign_ids()
        if before == now:
            return
        log = self.system.log
        if before[0] != now[0]:
            log("WifiService", f"setWifiEnabled package=com.android.shell uid=2000 enable={str(now[0]).lower()}",
                "I", self.system.SYSTEM_SERVER_PID)
        log("ConnectivityService",
            f"Network change: wifi={'connected' if now[0] else 'disconnected'} "
            f"mobile={'connected' if now[1] else 'disconnected'} "
            f"default={self.default_transport or 'none'}", "D", self.system.SYSTEM_SERVER_PID, buffer="system")
        self.system.broadcast_system("android.net.conn.CONNECTIVITY_CHANGE",
                                     {"noConnectivity": not (now[0] or now[1])})
        for listener in list(self.listeners):
            try:
                listener(self)
            except Exception as exc:  # an app's callback must not break `svc`
                owner = getattr(getattr(listener, "__self__", None), "package", None)  # an app's method
                self.system.report_crash("network listener", exc, owner)

    # -- dumpsys texts -----------------------------------------------------------------------------
    def _agent_line(self, transport: str) -> str:
        if transport == "WIFI":
            net, ni, extra = self._wifi_id, "WIFI CONNECTED", f'"{WIFI_SSID}"'
            caps = "NOT_METERED&INTERNET&NOT_RESTRICTED&TRUSTED&NOT_VPN&VALIDATED&NOT_ROAMING&FOREGROUND" \
                   "&NOT_CONGESTED&NOT_SUSPENDED&NOT_VCN_MANAGED"
            speed = "LinkUpBandwidth>=11000Kbps LinkDnBandwidth>=11000Kbps"
        else:
            net, ni, extra = self._mobile_id, "MOBILE[LTE] CONNECTED", "epc.tmobile.com"
            caps = "INTERNET&NOT_RESTRICTED&TRUSTED&NOT_VPN&VALIDATED&NOT_ROAMING&FOREGROUND&NOT_CONGESTED" \
                   "&NOT_SUSPENDED&NOT_VCN_MANAGED"
            speed = "LinkUpBandwidth>=15000Kbps LinkDnBandwidth>=30000Kbps"
        return (f"  NetworkAgentInfo{{network{{{net}}}  handle{{{(net or 0) * 4294967296 + 56000}}}  "
                f"ni{{{ni} extra: {extra}}}  Score(Policies : IS_VALIDATED&EVER_USER_SELECTED ; "
                f"KeepConnected : 0)  lp{{{{InterfaceName: {'wlan0' if transport == 'WIFI' else 'eth0'} "
                f"LinkAddresses: [ {WIFI_IP if transport == 'WIFI' else MOBILE_IP}/24 ] }}}}  "
                f"nc{{[ Transports: {transport} Capabilities: {caps} {speed}]}}  factorySerialNumber=1}}\n")

    def dump_connectivity(self) -> str:
        default = self.default_transport
        default_id = self._wifi_id if default == "WIFI" else self._mobile_id
        lines = ["NetworkProviders for:\n",
                 f"\nActive default network: {default_id if default else 'none'}\n", "\nCurrent Networks:\n"]
        for transport, up in (("WIFI", self.wifi_connected), ("CELLULAR", self.mobile_connected)):
            if up:
                lines.append(self._agent_line(transport))
        lines.append(f"\nStatus for known UIDs:\n\nAirplane mode: {'on' if self.airplane_mode else 'off'}\n")
        return "".join(lines)

    def dump_wifi(self) -> str:
        enabled = self.wifi_enabled
        state = "CONNECTED/CONNECTED" if self.wifi_connected else "DISCONNECTED/DISCONNECTED"
        info = (f'SSID: "{WIFI_SSID}", BSSID: {WIFI_BSSID}, MAC: 02:00:00:00:00:00, IP: /{WIFI_IP}, '
                f"Security type: 2, Supplicant state: COMPLETED, Wi-Fi standard: 4, RSSI: -50, "
                f"Link speed: 11Mbps, Frequency: 2447MHz, Net ID: 0" if self.wifi_connected else
                "SSID: <unknown ssid>, BSSID: <none>, MAC: 02:00:00:00:00:00, IP: null, Security type: -1, "
                "Supplicant state: DISCONNECTED, RSSI: -127, Link speed: -1Mbps, Frequency: -1MHz, Net ID: -1")
        return (f"Wi-Fi is {'enabled' if enabled else 'disabled'}\n"
                f"Verbose logging is off\n"
                f"Stay-awake conditions: 0\n"
                f"mWifiPermissionsUtil.isLocationModeEnabled(): true\n"
                f"mAirplaneModeOn {str(self.airplane_mode).lower()}\n\n"
                f"WifiClientModeManager:\n"
                f"  mNetworkInfo [type: WIFI[], state: {state}, reason: (unspecified), "
                f"extra: {WIFI_SSID if self.wifi_connected else '(none)'}, failover: false, available: true, "
                f"roaming: false]\n"
                f"  mWifiInfo {info}\n")

    def wifi_status(self) -> str:
        """`cmd wifi status`."""
        lines = [f"Wifi is {'enabled' if self.wifi_enabled else 'disabled'}\n",
                 "Wifi scanning is always available\n",
                 "==== Primary ClientModeManager instance ====\n"]
        if self.wifi_connected:
            lines += [f'Wifi is connected to "{WIFI_SSID}"\n',
                      f'WifiInfo: SSID: "{WIFI_SSID}", BSSID: {WIFI_BSSID}, MAC: 02:00:00:00:00:00, '
                      f"IP: /{WIFI_IP}, Supplicant state: COMPLETED, RSSI: -50, Link speed: 11Mbps, "
                      f"Frequency: 2447MHz, Net ID: 0\n"]
        else:
            lines.append("Wifi is not connected\n")
        return "".join(lines)


def _network(ctx: Context) -> Network:
    return phone_of(ctx).system.network


SVC_USAGE = """Available commands:
    help     Show information about the subcommands
    power    Control the power manager
    data     Control mobile data connectivity
    wifi     Control the Wi-Fi manager
    usb      Control Usb state
    nfc      Control NFC functions
    bluetooth Control Bluetooth service
"""


@applet("svc")
def svc(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    network = _network(ctx)
    if len(args) >= 2 and args[0] in ("wifi", "data") and args[1] in ("enable", "disable"):
        enabled = args[1] == "enable"
        (network.set_wifi if args[0] == "wifi" else network.set_data)(enabled)
        return 0
    if len(args) >= 2 and args[0] == "power" and args[1] == "stayon":
        return 0
    if args and args[0] in ("wifi", "data"):
        what = "Wi-Fi" if args[0] == "wifi" else "mobile data connectivity"
        ctx.out(f"Control the {what}\n\nusage: svc {args[0]} [enable|disable]\n"
                f"         Turn {what} on or off.\n\n")
        return 0
    ctx.out(SVC_USAGE)
    return 0


def _cmd_connectivity(ctx: Context, args: list[str]) -> int:
    network = _network(ctx)
    if args[:1] == ["airplane-mode"]:
        if len(args) == 1:
            ctx.out("enabled\n" if network.airplane_mode else "disabled\n")
            return 0
        if args[1] in ("enable", "disable"):
            network.set_airplane_mode(args[1] == "enable")
            return 0
        ctx.stderr.write(f"Unsupported airplane-mode argument: {args[1]}\n".encode())
        return 255
    ctx.out("Connectivity service commands:\n  help\n    Print this help text.\n"
            "  airplane-mode [enable|disable]\n    Turn airplane mode on or off.\n"
            "  airplane-mode\n    Get airplane mode.\n")
    return 0 if not args or args[0] == "help" else 255


def _cmd_wifi(ctx: Context, args: list[str]) -> int:
    network = _network(ctx)
    if args[:1] == ["status"]:
        ctx.out(network.wifi_status())
        return 0
    if args[:1] == ["set-wifi-enabled"] and len(args) > 1 and args[1] in ("enabled", "disabled"):
        network.set_wifi(args[1] == "enabled")
        return 0
    ctx.stderr.write(f"Unknown command: {' '.join(args)}\n".encode() if args else b"")
    ctx.out("Wi-Fi (wifi) commands:\n  help or -h\n    Print this help text.\n"
            "  set-wifi-enabled enabled|disabled\n    Enables/disables Wifi on this device.\n"
            "  status\n    Current wifi status\n")
    return 0 if not args else 255


def _dumpsys_wifi(ctx: Context, args: list[str]) -> int:
    ctx.out(_network(ctx).dump_wifi())
    return 0


def _dumpsys_connectivity(ctx: Context, args: list[str]) -> int:
    ctx.out(_network(ctx).dump_connectivity())
    return 0


#: The `dumpsys NAME` and `cmd NAME` this module answers (the phone's table collects them).
SERVICE_COMMANDS = ServiceCommands(dumpsys={"wifi": _dumpsys_wifi, "connectivity": _dumpsys_connectivity},
                                   cmd={"connectivity": _cmd_connectivity, "wifi": _cmd_wifi})
