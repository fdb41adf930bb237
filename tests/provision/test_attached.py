"""Attached phones: serials already listed, `host:port` phones reached with `adb connect`, the wait
for the `device` state, and telling emulators from real hardware."""

from __future__ import annotations

import pytest

from pytest_phonebackup.errors import PhoneError
from pytest_phonebackup.provision import choose_console_port, port_lock
from pytest_phonebackup.provision.attached import AttachedProvisioner, detect_kind
from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone


def test_kind_comes_from_the_phones_own_properties():
    assert detect_kind("emulator-5554", {"ro.kernel.qemu": "1"}) == "emulator"
    assert detect_kind("10.0.0.5:5555", {"ro.boot.qemu": "1"}) == "emulator"  # an emulator over the network
    assert detect_kind("R5CT1234", {"ro.hardware": "ranchu"}) == "emulator"
    assert detect_kind("emulator-5556", {"ro.build.characteristics": "emulator"}) == "emulator"
    assert detect_kind("R5CT1234", {"ro.hardware": "qcom", "ro.kernel.qemu": "0"}) == "hardware"
    # a serial alone proves nothing: an unknown phone is protected like hardware
    assert detect_kind("emulator-5554", {}) == "hardware"


@pytest.fixture
def handset(tmp_path, adb_server):
    """A virtual phone that presents itself as a Pixel over Wi-Fi (no emulator props, host:port serial)."""
    with port_lock():
        port = choose_console_port(5578)
    config = PhoneConfig(data_dir=tmp_path / "handset", storage_bytes=1024**3, console_port=port,
                         presents_as="hardware", register_with_adb=False)
    with VirtualPhone(config) as phone:
        yield phone


def test_host_port_is_connected_detected_as_hardware_and_disconnected(handset, adb_server):
    assert handset.serial not in adb_server.devices()
    provisioner = AttachedProvisioner([handset.serial], boot_timeout=30, allow_wipe=True)
    phone = provisioner.acquire()
    assert phone.kind == "hardware" and not phone.is_emulator and phone.allow_wipe
    assert phone.info()["model"] == "Pixel 7"
    with pytest.raises(PhoneError, match="pass one more --phone-serial"):
        provisioner.acquire()
    provisioner.release()
    assert handset.serial not in adb_server.devices()


def test_listed_emulator_is_used_as_is_and_left_running(virtual_phone, adb_server):
    with AttachedProvisioner([virtual_phone.serial], boot_timeout=30) as provisioner:
        phone = provisioner.acquire()
        assert phone.kind == "virtual" and phone.is_emulator  # told from the phone itself
    assert adb_server.devices().get(virtual_phone.serial) == "device"  # not ours to stop


def test_a_phone_that_never_shows_up_names_its_state(adb_server):
    provisioner = AttachedProvisioner(["R5CT0000NONE"], boot_timeout=1)
    with pytest.raises(PhoneError, match="R5CT0000NONE is absent.*adb devices"):
        provisioner.acquire()


def test_unreachable_host_port_fails_with_the_address(adb_server):
    provisioner = AttachedProvisioner(["127.0.0.1:9"], boot_timeout=2, connect_timeout=5)
    with pytest.raises(PhoneError, match="127.0.0.1:9"):
        provisioner.acquire()
