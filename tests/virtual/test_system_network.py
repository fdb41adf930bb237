"""Wi-Fi, mobile data and airplane mode through the real adb: svc and cmd switch them, and settings,
dumpsys wifi/connectivity, cmd wifi status and what apps see all agree."""

from __future__ import annotations

import re

import pytest


@pytest.fixture(autouse=True)
def everything_on(adb_server, phone):
    yield
    adb_server.run("shell", "cmd connectivity airplane-mode disable; svc wifi enable; svc data enable",
                   serial=phone.serial)


def out(adb_server, phone, command: str) -> str:
    return adb_server.run("shell", command, serial=phone.serial).stdout.decode()


def agents(adb_server, phone) -> list[str]:
    return [line for line in out(adb_server, phone, "dumpsys connectivity").splitlines()
            if "NetworkAgentInfo{" in line]


def test_all_connected_by_default(adb_server, phone):
    assert out(adb_server, phone, "dumpsys wifi").splitlines()[0] == "Wi-Fi is enabled"
    found = agents(adb_server, phone)
    assert len(found) == 2
    assert "ni{WIFI CONNECTED" in found[0] and "ni{MOBILE[LTE] CONNECTED" in found[1]
    assert phone.system.network.online and phone.system.network.default_transport == "WIFI"


def test_svc_wifi_disable_is_seen_everywhere(adb_server, phone):
    adb_server.run("shell", "svc wifi disable", serial=phone.serial)
    assert out(adb_server, phone, "settings get global wifi_on") == "0\n"
    assert out(adb_server, phone, "dumpsys wifi").splitlines()[0] == "Wi-Fi is disabled"
    assert out(adb_server, phone, "cmd wifi status").splitlines()[0] == "Wifi is disabled"
    found = agents(adb_server, phone)
    assert len(found) == 1 and "Transports: CELLULAR" in found[0]
    network = phone.system.network
    assert (network.wifi_connected, network.mobile_connected, network.online) == (False, True, True)


def test_svc_data_disable_with_wifi_off_means_offline(adb_server, phone):
    adb_server.run("shell", "svc data disable; svc wifi disable", serial=phone.serial)
    assert out(adb_server, phone, "settings get global mobile_data") == "0\n"
    text = out(adb_server, phone, "dumpsys connectivity")
    assert "Active default network: none" in text and "NetworkAgentInfo" not in text
    assert phone.system.network.online is False


def test_airplane_mode_turns_radios_off_and_restores_wifi(adb_server, phone):
    adb_server.run("shell", "cmd connectivity airplane-mode enable", serial=phone.serial)
    assert out(adb_server, phone, "cmd connectivity airplane-mode") == "enabled\n"
    assert out(adb_server, phone, "settings get global airplane_mode_on") == "1\n"
    assert out(adb_server, phone, "settings get global wifi_on") == "0\n"
    assert agents(adb_server, phone) == []
    assert "Airplane mode: on" in out(adb_server, phone, "dumpsys connectivity")
    adb_server.run("shell", "cmd connectivity airplane-mode disable", serial=phone.serial)
    assert out(adb_server, phone, "settings get global wifi_on") == "1\n"
    assert len(agents(adb_server, phone)) == 2


def test_wifi_comes_back_with_a_new_network_id(adb_server, phone):
    def wifi_id() -> str:
        line = next(a for a in agents(adb_server, phone) if "Transports: WIFI" in a)
        return re.search(r"network\{(\d+)\}", line).group(1)

    before = wifi_id()
    adb_server.run("shell", "svc wifi disable; svc wifi enable", serial=phone.serial)
    assert wifi_id() != before


def test_apps_hear_every_change(adb_server, phone):
    heard: list[tuple[bool, bool]] = []
    phone.system.network.listeners.append(lambda n: heard.append((n.wifi_connected, n.mobile_connected)))
    received = []
    phone.system.activity.register_receiver("android.net.conn.CONNECTIVITY_CHANGE", received.append)
    adb_server.run("shell", "svc wifi disable; svc data disable; svc wifi enable", serial=phone.serial)
    assert heard == [(False, True), (False, False), (True, False)]
    assert [intent.extras["noConnectivity"] for intent in received] == [False, True, False]


def test_svc_without_arguments_prints_usage(adb_server, phone):
    text = out(adb_server, phone, "svc wifi")
    assert "usage: svc wifi [enable|disable]" in text
