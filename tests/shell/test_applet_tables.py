"""Applet tables: every shell runs commands from its own copy of the phone's table, so a command
registered in one shell is unknown to the others, and importing the applet modules registers nothing."""

from __future__ import annotations

import pytest

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.shell import Applets, BytesInput, BytesOutput, Context, Shell, applet
from pytest_phonebackup.virtual.shell import applets as toybox_package


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    """A virtual phone that is not started: shells only need its storage, properties and applets."""
    phone = VirtualPhone(PhoneConfig(data_dir=tmp_path_factory.mktemp("tables-phone"), register_with_adb=False,
                                     storage_bytes=64 * 1024**2))
    yield phone
    phone.close()


def run(shell: Shell, command: str) -> tuple[int, bytes, bytes]:
    out, err = BytesOutput(), BytesOutput()
    status = shell.run(command, BytesInput(b""), out, err)
    return status, out.getvalue(), err.getvalue()


def hello(ctx: Context, argv: list[str]) -> int:
    ctx.out("hello from " + " ".join(argv) + "\n")
    return 0


def test_a_command_registered_in_one_shell_is_unknown_to_another(phone):
    first, second = Shell(phone), Shell(phone)
    first.applets.register("hello", hello)
    assert run(first, "hello there") == (0, b"hello from hello there\n", b"")
    status, _, err = run(second, "hello there")
    assert status == 127 and b"hello: inaccessible or not found" in err
    assert "hello" not in phone.applets
    assert run(Shell(phone), "which hello")[0] == 1


def test_a_child_shell_starts_from_its_parents_table_and_keeps_its_own(phone):
    shell = Shell(phone)
    shell.applets.register("hello", hello)
    assert run(shell, "sh -c 'hello child'") == (0, b"hello from hello child\n", b"")


def test_the_phone_table_holds_toybox_and_the_android_tools(phone):
    toybox = ("ls", "stat", "find", "xargs", "cp", "mv", "rm", "mkdir", "rmdir", "touch", "ln", "readlink",
              "realpath", "basename", "dirname", "du", "df", "dd", "tar", "sh", "cat", "sed", "awk", "sha256sum")
    for name in (*toybox, "getprop", "setprop", "pm", "am", "dumpsys", "cmd", "input", "settings", "content"):
        assert name in phone.applets, name
    assert len(Shell(phone).applets) == len(phone.applets)


def test_tables_are_collected_from_declarations_not_filled_at_import():
    fresh, again = toybox_package.toybox(), toybox_package.toybox()
    assert fresh is not again and list(fresh) == list(again)
    fresh.register("hello", hello)
    assert "hello" not in again and "hello" not in toybox_package.toybox()


def test_applet_declares_names_on_the_function_only():
    @applet("greet", "salute")
    def greet(ctx: Context, argv: list[str]) -> int:
        return 0

    assert greet.applet_names == ("greet", "salute")
    table = Applets({"greet": greet}) | Applets({"salute": greet})
    assert list(table) == ["greet", "salute"] and table.get("nothing") is None


def test_dumpsys_and_cmd_services_are_the_phones_own_read_only_tables(phone, tmp_path):
    commands = phone.system.service_commands
    assert {"activity", "battery", "package", "wifi", "window", "diskstats"} <= set(commands.dumpsys)
    assert {"activity", "appops", "package", "settings", "input", "wifi"} <= set(commands.cmd)
    with pytest.raises(TypeError):
        commands.cmd["made-up"] = hello  # type: ignore[index]
    other = VirtualPhone(PhoneConfig(data_dir=tmp_path / "other", register_with_adb=False))
    try:
        assert other.system.service_commands is not commands
    finally:
        other.close()
    status, out, _ = phone.sh("dumpsys diskstats")
    assert status == 0 and out.startswith(b"Latency: ")
