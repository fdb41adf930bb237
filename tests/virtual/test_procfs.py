"""/proc and /dev on the virtual phone, read through the real adb as tools read them on a phone:
`adb shell cat`, `adb pull`, `adb ls`. The kernel files have the formats of Linux 6.1 on Android 14,
their counters only grow, and nothing there can be written, removed or created."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone

CPU_LINE = re.compile(r"cpu(\d*) +(\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)")


@pytest.fixture
def sh(adb_server, phone):
    def run(command: str) -> str:
        return adb_server.run("shell", command, serial=phone.serial).stdout.decode()

    return run


def stat_counters(text: str) -> dict[str, list[int]]:
    """/proc/stat as {'cpu': [user, nice, ...], 'cpu0': [...], 'ctxt': [n], ...}."""
    rows = {}
    for line in text.splitlines():
        name, *values = line.split()
        rows[name] = [int(v) for v in values]
    return rows


def test_proc_version_names_the_android_14_kernel(sh):
    version = sh("cat /proc/version")
    assert re.fullmatch(
        r"Linux version 6\.1\.\d+-android14-\S+ \(\S+@\S+\) \(Android \(\d+, based on r\d+\w*\) "
        r"clang version 17\.\d+\.\d+ \(\S+ [0-9a-f]{40}\), LLD 17\.\d+\.\d+\) #1 SMP PREEMPT .+ 20\d\d\n",
        version), version
    assert sh("uname -r").strip() in version


def test_cpuinfo_has_as_many_processors_as_nproc(sh):
    info = sh("cat /proc/cpuinfo")
    processors = re.findall(r"^processor\t: (\d+)$", info, re.M)
    cpus = int(sh("nproc"))
    assert processors == [str(n) for n in range(cpus)]
    assert info.count("vendor_id\t: GenuineIntel\n") == cpus
    assert len(stat_counters(sh("cat /proc/stat")).keys() & {f"cpu{n}" for n in range(cpus + 1)}) == cpus


def test_meminfo_lists_total_free_and_available_memory(sh):
    info = sh("cat /proc/meminfo")
    assert re.match(r"MemTotal: +\d+ kB\nMemFree: +\d+ kB\nMemAvailable: +\d+ kB\n", info), info
    values = dict(re.findall(r"^(\w+): +(\d+) kB$", info, re.M))
    assert 1_000_000 < int(values["MemTotal"]) < 16_000_000
    assert int(values["MemFree"]) <= int(values["MemAvailable"]) <= int(values["MemTotal"])


def test_proc_stat_counters_never_go_back(sh):
    first = sh("cat /proc/stat")
    assert re.match(r"cpu  \d+ \d+ \d+ \d+ \d+ \d+ \d+ \d+ \d+ \d+\ncpu0 \d+ ", first), first
    for key in ("intr", "ctxt", "btime", "processes", "procs_running", "procs_blocked"):
        assert re.search(rf"^{key} \d+", first, re.M), key
    time.sleep(0.5)
    second = sh("cat /proc/stat")
    before, after = stat_counters(first), stat_counters(second)
    for name in before:
        assert len(after[name]) == len(before[name])
        if name.startswith("cpu") or name in ("intr", "ctxt", "softirq"):
            assert all(b >= a for a, b in zip(before[name], after[name], strict=True)), name
    assert sum(after["cpu"]) > sum(before["cpu"])
    assert after["btime"] == before["btime"]
    assert all(CPU_LINE.fullmatch(line) for line in second.splitlines() if line.startswith("cpu"))


def test_uptime_grows_and_btime_is_now_minus_uptime(sh):
    first = sh("cat /proc/uptime")
    assert re.fullmatch(r"\d+\.\d\d \d+\.\d\d\n", first), first
    time.sleep(0.3)
    now, uptime, btime = sh("date +%s; cat /proc/uptime; grep btime /proc/stat").splitlines()
    assert float(uptime.split()[0]) >= float(first.split()[0]) + 0.2
    assert abs(int(now) - float(uptime.split()[0]) - int(btime.split()[1])) <= 2


def test_btime_is_when_the_phone_booted(adb_server, tmp_path):
    started = time.time()
    with VirtualPhone(PhoneConfig(data_dir=tmp_path / "phone")) as phone:
        adb_server.wait_for(phone.serial)
        btime = int(adb_server.run("shell", "grep btime /proc/stat", serial=phone.serial).stdout.split()[1])
        uptime = float(adb_server.run("shell", "cat /proc/uptime", serial=phone.serial).stdout.split()[0])
    assert started - 60 <= btime <= started + 1  # the kernel starts a little before adbd answers
    assert uptime < time.time() - started + 60


def test_a_reboot_starts_uptime_btime_and_boot_id_over(adb_server, virtual_phone):
    def clocks() -> tuple[float, float, int, str]:
        out = adb_server.run("shell", "cat /proc/uptime; grep btime /proc/stat; cat /proc/sys/kernel/random/boot_id",
                             serial=virtual_phone.serial)
        uptime, btime, boot_id = out.stdout.decode().splitlines()
        return time.time(), float(uptime.split()[0]), int(btime.split()[1]), boot_id

    wall, uptime, btime, boot_id = clocks()
    boots = virtual_phone.boot_count
    adb_server.run("reboot", serial=virtual_phone.serial)
    deadline = time.monotonic() + 20
    while virtual_phone.boot_count == boots:
        assert time.monotonic() < deadline, "the phone never rebooted"
        time.sleep(0.05)
    adb_server.run("wait-for-device", serial=virtual_phone.serial, timeout=30)
    wall_after, uptime_after, btime_after, boot_id_after = clocks()
    assert btime_after > btime
    assert boot_id_after != boot_id
    assert uptime_after < uptime + (wall_after - wall) - 1.0  # the phone was down for over a second


def test_sysctl_files_name_the_boot_and_the_kernel(sh):
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    boot_ids = sh("cat /proc/sys/kernel/random/boot_id; cat /proc/sys/kernel/random/boot_id").splitlines()
    assert re.fullmatch(uuid, boot_ids[0]) and boot_ids[0] == boot_ids[1]
    fresh = sh("cat /proc/sys/kernel/random/uuid /proc/sys/kernel/random/uuid").splitlines()
    assert all(re.fullmatch(uuid, u) for u in fresh) and fresh[0] != fresh[1] and boot_ids[0] not in fresh
    assert sh("cat /proc/sys/kernel/osrelease") == sh("uname -r")
    assert sh("ls /proc/sys/kernel/random") == "boot_id\nuuid\n"


def test_loadavg_and_filesystems_have_the_kernel_formats(sh):
    assert re.fullmatch(r"\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+/\d+ \d+\n", sh("cat /proc/loadavg"))
    filesystems = sh("cat /proc/filesystems").splitlines()
    assert {"nodev\tproc", "nodev\ttmpfs", "nodev\tfuse", "\text4", "\tf2fs"} <= set(filesystems)


def test_mounts_are_a_phones_and_agree_with_df(sh):
    mounts = [line.split() for line in sh("cat /proc/mounts").splitlines()]
    by_target = {m[1]: m for m in mounts}
    assert all(len(m) == 6 and m[4:] == ["0", "0"] for m in mounts)
    assert by_target["/"][2] in ("ext4", "erofs") and by_target["/"][3].startswith("ro,")
    assert by_target["/data"][2] in ("ext4", "f2fs") and by_target["/data"][3].startswith("rw,")
    assert by_target["/storage/emulated"][2] == "fuse"
    assert by_target["/proc"][:3] == ["proc", "/proc", "proc"]
    assert by_target["/sys"][2] == "sysfs" and by_target["/dev"][2] == "tmpfs"
    for row in sh("df").splitlines()[1:]:
        source, *_sizes, target = row.split()
        assert by_target[target][0] == source, row
    assert sh("ls -l /proc/mounts").rstrip().endswith("/proc/mounts -> self/mounts")


def test_every_process_has_a_pid_folder(sh):
    processes, folders = sh("ps -A; echo --; ls /proc").split("--\n")  # one shell: its pid in both
    rows = [line.split() for line in processes.splitlines()[1:]]
    listed = set(folders.split())
    assert {"1", "cpuinfo", "meminfo", "stat", "uptime", "version", "self"} <= listed
    for row in rows:
        pid, name = row[1], row[-1]
        if name == "ps":
            continue  # gone once it has listed itself
        assert pid in listed, row
    init = sh("cat /proc/1/cmdline; echo; cat /proc/1/comm; grep PPid /proc/1/status")
    assert init == "/system/bin/init\0second_stage\0\ninit\nPPid:\t0\n"
    systemui = next(row[1] for row in rows if row[-1] == "com.android.systemui")
    assert sh(f"cat /proc/{systemui}/cmdline") == "com.android.systemui\0"
    assert sh(f"cat /proc/{systemui}/comm") == "ndroid.systemui\n"  # the kernel keeps 15 bytes
    stat = sh(f"cat /proc/{systemui}/stat").split()
    assert len(stat) == 52 and stat[:4] == [systemui, "(ndroid.systemui)", "S", "360"]


def test_proc_self_is_the_reading_process(sh):
    shell_pid, stat, link = sh("echo $$; cat /proc/self/stat; ls -l /proc/self").splitlines()
    fields = stat.split()
    assert fields[1:3] == ["(cat)", "R"] and fields[3] == shell_pid  # cat, a child of the shell
    assert re.search(r" /proc/self -> \d+$", link) and link.split()[-1] != fields[0]  # ls is another child
    assert sh("cat /proc/self/cmdline") == "cat\0/proc/self/cmdline\0"
    assert sh("cat /proc/$$/comm") == "sh\n"
    assert "Name:\tgrep\n" in sh("grep -h . /proc/self/status")


def test_pull_of_proc_stat_copies_its_content_though_it_stats_empty(adb_server, phone, sh, tmp_path: Path):
    assert sh("stat -c '%s %F' /proc/stat") == "0 regular empty file\n"
    adb_server.run("pull", "/proc/stat", str(tmp_path / "stat"), serial=phone.serial)
    pulled = (tmp_path / "stat").read_text()
    assert re.match(r"cpu  \d+ \d+ \d+ \d+ ", pulled) and re.search(r"^btime \d+$", pulled, re.M), pulled
    listing = adb_server.run("ls", "/proc/", serial=phone.serial).stdout.decode()
    assert re.search(r"^000081a4|^00008124 00000000 [0-9a-f]{8} version$", listing, re.M), listing
    devices = adb_server.run("ls", "/dev/", serial=phone.serial).stdout.decode()
    assert re.search(r"^000021b6 00000000 [0-9a-f]{8} null$", devices, re.M), devices


def test_proc_files_copy_and_archive_with_their_content_and_modes(sh):
    version = sh("cat /proc/version")
    assert sh("cd /data/local/tmp && cp /proc/version v && cat v && stat -c %a v") == version + "444\n"
    listing = sh("cd /data/local/tmp && tar cf p.tar /proc/meminfo /proc/self && tar tvf p.tar")
    assert re.search(r"^-r--r--r-- root/root +0 .* proc/meminfo$", listing, re.M), listing
    assert re.search(r"^lrwxrwxrwx root/root +0 .* proc/self -> \d+$", listing, re.M), listing
    devices = sh("cd /data/local/tmp && tar cf d.tar /dev/null && tar tvf d.tar")
    assert re.fullmatch(r"crw-rw-rw- root/root 1,3  \d{4}-\d\d-\d\d \d\d:\d\d dev/null\n", devices), devices


def test_dev_zero_gives_as_many_zeros_as_asked(sh):
    assert sh("head -c 16 /dev/zero | od -An -tx1") == " 00" * 16 + "\n"
    assert sh("dd if=/dev/zero bs=1000 count=3 2>/dev/null | wc -c") == "3000\n"


def test_dev_urandom_gives_random_bytes(sh):
    assert sh("dd if=/dev/urandom bs=32 count=1 2>/dev/null | wc -c") == "32\n"
    assert sh("head -c 100 /dev/random | wc -c") == "100\n"
    first, second = sh("head -c 16 /dev/urandom | od -An -tx1; head -c 16 /dev/urandom | od -An -tx1").splitlines()
    assert first != second


def test_dev_null_reads_empty_and_swallows_writes(sh):
    assert sh("echo x > /dev/null; echo $?; cat /dev/null | wc -c; cat /dev/null; echo $?") == "0\n0\n0\n"
    assert sh("ls /dev/null; echo photo | dd of=/dev/null 2>/dev/null; echo $?") == "/dev/null\n0\n"


def test_ls_shows_the_character_devices_as_toybox_does(sh):
    assert re.fullmatch(r"crw-rw-rw- 1 root root 1,   3 \d{4}-\d\d-\d\d \d\d:\d\d /dev/null\n", sh("ls -l /dev/null"))
    listing = sh("ls -l /dev")
    for name, numbers in (("null", "1,   3"), ("zero", "1,   5"), ("full", "1,   7"), ("random", "1,   8"),
                          ("urandom", "1,   9"), ("tty", "5,   0")):
        assert re.search(rf"^crw-rw-rw- 1 root root {numbers} \S+ \S+ {name}$", listing, re.M), name
    assert sh("stat -c '%F %t %T %a' /dev/zero") == "character device 1 5 666\n"


def test_dev_tty_has_no_terminal_and_dev_full_is_full(adb_server, phone):
    result = adb_server.run("shell", "cat /dev/tty; echo $?; echo x > /dev/tty", serial=phone.serial, check=False)
    assert result.stdout == b"1\n"
    assert result.stderr.splitlines() == [b"cat: /dev/tty: No such device or address",
                                          b"/system/bin/sh: /dev/tty: create: No such device or address"]
    full = adb_server.run("shell", "echo x > /dev/full; echo $?; head -c 4 /dev/full | wc -c",
                          serial=phone.serial, check=False)
    assert full.stdout == b"1\n4\n" and b"No space left on device" in full.stderr


def test_proc_and_dev_cannot_be_changed(adb_server, phone, sh):
    def fails(command: str) -> bytes:
        result = adb_server.run("shell", command, serial=phone.serial, check=False)
        assert result.returncode != 0, command
        return result.stderr.strip()

    assert fails("echo x > /proc/version") == b"/system/bin/sh: /proc/version: create: Permission denied"
    assert fails("rm /dev/null") == b"rm: /dev/null: Permission denied"
    assert fails("rm -f /proc/1/cmdline") == b"rm: /proc/1/cmdline: Permission denied"
    assert fails("touch /proc/photo.jpg") == b"touch: '/proc/photo.jpg': No such file or directory"
    assert fails("mv /dev/zero /dev/one") == b"mv: bad '/dev/zero': Permission denied"
    assert fails("echo a > /data/local/tmp/a; cp /data/local/tmp/a /dev/a") == b"cp: /dev/a: Permission denied"
    assert sh("ls /dev") == "full\nnull\nrandom\ntty\nurandom\nzero\n"
    assert sh("cat /proc/version").startswith("Linux version ")


def test_push_to_dev_null_is_swallowed_and_to_proc_refused(adb_server, phone, sh, tmp_path: Path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8photo")
    adb_server.run("push", str(photo), "/dev/null", serial=phone.serial)
    assert sh("ls -l /dev/null").startswith("crw-rw-rw- 1 root root 1,   3 ")
    refused = adb_server.run("push", str(photo), "/proc/version", serial=phone.serial, check=False)
    assert refused.returncode == 1
    assert b"remote couldn't create file: Permission denied" in refused.stderr
    assert sh("cat /proc/version").startswith("Linux version 6.1.")


def test_stat_and_find_see_the_kernels_links_and_folders(sh):
    assert re.fullmatch(r"/proc/self -> '\d+'\n", sh("stat -c %N /proc/self"))
    assert sh("find /proc -maxdepth 1 -lname 'self/*'") == "/proc/mounts\n"
    assert sh("find /dev /proc/1 -maxdepth 0 -empty | wc -l") == "0\n"  # both hold entries


def test_root_meets_the_kernels_refusals_too(adb_server, virtual_phone):
    def run(command: str):
        return adb_server.run("shell", command, serial=virtual_phone.serial, check=False)

    adb_server.run("root", serial=virtual_phone.serial)
    deadline = time.monotonic() + 15
    while run("echo $USER").stdout != b"root\n":
        assert time.monotonic() < deadline, "adbd never came back as root"
        time.sleep(0.2)
    written = run("echo x > /proc/version")
    assert written.returncode == 1 and written.stderr == b"/system/bin/sh: echo: write: Input/output error\n"
    assert run("rm /dev/null").stderr == b"rm: /dev/null: Operation not permitted\n"
    assert run("rm /proc/version").stderr == b"rm: /proc/version: Operation not permitted\n"
    assert run("cat /proc/self/status").stdout.count(b"Uid:\t0\t0\t0\t0\n") == 1
    assert run("ls -l /dev/null").stdout.startswith(b"crw-rw-rw- 1 root root 1,   3 ")
