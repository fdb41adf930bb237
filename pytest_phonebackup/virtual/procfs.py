"""The files the phone's kernel serves under /proc and /dev: their content, made when they are read,
and the stat answers, links and refusals that every reader sees alike (the shell's redirections and
applets through `Storage`, adb sync). Not for the phone's stored files (storage.py), nor for the
output formats of applets that print the same facts (uname, ps, df use the tables here).
"""

from __future__ import annotations

import errno
import io
import itertools
import os
import posixpath
import stat as statmod
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

USER_HZ = 100  # clock ticks per second in /proc/stat and /proc/PID/stat (sysconf(_SC_CLK_TCK))
PAGE_KB = 4
MEM_TOTAL_KB = 2_014_152  # what an emulator with hw.ramSize=2048 reports as MemTotal
DEFAULT_CPUS = 4
ADBD_PID = 398  # the reader of files pulled over adb sync (and the parent of shell sessions)
FIRST_COMMAND_PID = 5000  # commands the shell starts; app processes start at 3000
PROC_DEV, DEV_DEV = 0x15, 0x11  # st_dev of the proc and /dev tmpfs mounts
KERNEL_CMDLINE_MAX = 4096
KERNEL_HEAD_START = 10.0  # seconds the kernel ran before the phone answers adb (init, zygote)

# Kernels of the Android Emulator's system images, by API level (uname -r / -v as they print them).
EMULATOR_KERNELS = {
    34: ("6.1.23-android14-4-00257-g7e35917775b8-ab9964412", "#1 SMP PREEMPT Mon Apr 17 20:50:58 UTC 2023"),
    33: ("5.15.41-android13-8-00055-g4f5025129fe8-ab8949913", "#1 SMP PREEMPT Mon Aug 15 18:33:14 UTC 2022"),
    32: ("5.10.66-android12-9-00041-gfa9c9074531e-ab7914766", "#1 SMP PREEMPT Fri Nov 12 11:36:25 UTC 2021"),
    31: ("5.10.66-android12-9-00041-gfa9c9074531e-ab7914766", "#1 SMP PREEMPT Fri Nov 12 11:36:25 UTC 2021"),
    30: ("5.4.61-android11-0-00791-gbad091cc4bf3-ab6833933", "#1 SMP PREEMPT Fri Sep 18 11:52:09 UTC 2020"),
    29: ("5.4.47-01061-g22e35a1de440", "#1 SMP PREEMPT Fri Jul 10 22:06:54 UTC 2020"),
}
# The clang that built each of those kernels, as /proc/version names it.
KERNEL_COMPILERS = {
    34: "Android (9796371, based on r487747) clang version 17.0.0 (https://android.googlesource.com/"
        "toolchain/llvm-project d9f89f4d16663d5012e5c09495f3b30ece3d2362), LLD 17.0.0",
    33: "Android (8508608, based on r450784e) clang version 14.0.7 (https://android.googlesource.com/"
        "toolchain/llvm-project 4c603efb0cca074e9238af8b4106c30add4418f6), LLD 14.0.7",
    31: "Android (7284624, based on r416183b) clang version 12.0.5 (https://android.googlesource.com/"
        "toolchain/llvm-project c935d99d7cf2016289302412d708641d52d2f7ee), LLD 12.0.5",
    29: "Android (6443078 based on r383902) clang version 11.0.1 (https://android.googlesource.com/"
        "toolchain/llvm-project b397f81060ce6d701042b782172ed13bee898b79), LLD 11.0.1",
}
ABI_MACHINES = {"x86_64": "x86_64", "x86": "i686", "arm64-v8a": "aarch64", "armeabi-v7a": "armv8l"}


@dataclass(frozen=True)
class Mount:
    """One line of /proc/mounts; `in_df` marks the ones `df` lists (with their sizes)."""

    source: str
    target: str
    fstype: str
    options: str
    in_df: bool = False


TMPFS_SIZE = "size=1007076k,nr_inodes=251769"
MOUNTS = (
    Mount("/dev/block/dm-0", "/", "ext4", "ro,seclabel,relatime", in_df=True),
    Mount("tmpfs", "/dev", "tmpfs", f"rw,seclabel,nosuid,relatime,{TMPFS_SIZE},mode=755", in_df=True),
    Mount("devpts", "/dev/pts", "devpts", "rw,seclabel,relatime,mode=600,ptmxmode=000"),
    Mount("proc", "/proc", "proc", "rw,relatime,gid=3009,hidepid=invisible"),
    Mount("sysfs", "/sys", "sysfs", "rw,seclabel,relatime"),
    Mount("selinuxfs", "/sys/fs/selinux", "selinuxfs", "rw,relatime"),
    Mount("tmpfs", "/mnt", "tmpfs", f"rw,seclabel,nosuid,nodev,noexec,relatime,{TMPFS_SIZE},mode=755,gid=1000"),
    Mount("/dev/block/dm-1", "/system", "ext4", "ro,seclabel,relatime", in_df=True),
    Mount("tmpfs", "/apex", "tmpfs", f"rw,seclabel,nosuid,nodev,noexec,relatime,{TMPFS_SIZE},mode=755"),
    Mount("/dev/block/vdc", "/data", "ext4", "rw,seclabel,nosuid,nodev,noatime,resgid=1065,errors=panic",
          in_df=True),
    Mount("tmpfs", "/storage", "tmpfs", f"rw,seclabel,nosuid,nodev,noexec,relatime,{TMPFS_SIZE},mode=755,gid=1000"),
    Mount("/dev/fuse", "/storage/emulated", "fuse",
          "rw,lazytime,nosuid,nodev,noexec,noatime,user_id=0,group_id=0,allow_other", in_df=True),
    Mount("/dev/fuse", "/mnt/user/0/emulated", "fuse",
          "rw,lazytime,nosuid,nodev,noexec,noatime,user_id=0,group_id=0,allow_other"),
)
FILESYSTEMS = ("nodev\tsysfs", "nodev\ttmpfs", "nodev\tbdev", "nodev\tproc", "nodev\tcgroup", "nodev\tcgroup2",
               "nodev\tcpuset", "nodev\tdevtmpfs", "nodev\tdebugfs", "nodev\ttracefs", "nodev\tsecurityfs",
               "nodev\tsockfs", "nodev\tbpf", "nodev\tpipefs", "nodev\tramfs", "nodev\tdevpts", "\text3",
               "\text2", "\text4", "\tvfat", "\tmsdos", "\texfat", "nodev\tfuse", "\tfuseblk", "nodev\tfusectl",
               "nodev\tvirtiofs", "nodev\tselinuxfs", "nodev\tbinder", "nodev\tincremental-fs", "\tf2fs",
               "\terofs", "nodev\tfunctionfs")

# /dev: name -> (major, minor), as devtmpfs creates them (Documentation/admin-guide/devices.txt).
CHARACTER_DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9),
                     "tty": (5, 0)}
PROC_FILES = ("cpuinfo", "filesystems", "loadavg", "meminfo", "modules", "stat", "uptime", "version")
PROC_LINKS = {"mounts": "self/mounts"}  # /proc/mounts is a link into the reader's own folder
TASK_FILES = ("cmdline", "comm", "mounts", "stat", "statm", "status")
# Files deeper in /proc (sysctl's tree), by path below /proc -> the method that makes them.
SYSCTL_FILES = {"sys/kernel/random/boot_id": "_boot_id", "sys/kernel/random/uuid": "_uuid",
                "sys/kernel/osrelease": "_osrelease", "sys/kernel/pid_max": "_pid_max"}
# Fixed values of Android 14's /proc/sys, as init.rc and the emulator's kernel set them.
SYSCTL_CONSTANTS = {"sys/kernel/dmesg_restrict": "1", "sys/kernel/kptr_restrict": "2", "sys/kernel/hostname": "localhost",
                    "sys/kernel/ostype": "Linux", "sys/kernel/perf_event_paranoid": "3",
                    "sys/kernel/panic_on_oops": "1", "sys/kernel/randomize_va_space": "2",
                    "sys/vm/swappiness": "100", "sys/vm/overcommit_memory": "1", "sys/vm/min_free_kbytes": "8192",
                    "sys/fs/file-max": "9223372036854775807", "sys/fs/pipe-max-size": "1048576",
                    "sys/net/core/somaxconn": "4096", "sys/net/ipv4/ip_forward": "0",
                    "sys/net/ipv4/tcp_congestion_control": "cubic", "sys/net/ipv6/conf/all/disable_ipv6": "0"}
# /proc/modules of the emulator's GKI kernel: name, size, users, used by (the virtio and goldfish drivers).
KERNEL_MODULES = (("virtio_snd", 36864, 0, "-"), ("goldfish_battery", 16384, 0, "-"),
                  ("virtio_input", 20480, 0, "-"), ("virtio_net", 61440, 0, "-"), ("net_failover", 24576, 1, "virtio_net,"),
                  ("failover", 16384, 1, "net_failover,"), ("virtio_gpu", 90112, 3, "-"), ("virtio_blk", 32768, 5, "-"),
                  ("virtio_console", 40960, 4, "-"), ("virtio_pci", 36864, 0, "-"),
                  ("virtio_pci_modern_dev", 20480, 1, "virtio_pci,"))


def kernel_identity(props: Any) -> dict[str, str]:
    """What `uname` reports on a phone with these properties: sysname, nodename, release, version, machine."""
    api = api_level(props)
    release, version = EMULATOR_KERNELS.get(api, EMULATOR_KERNELS[34] if api > 34 else EMULATOR_KERNELS[29])
    abi = props.get("ro.product.cpu.abi", "x86_64")
    return {"s": "Linux", "n": "localhost", "r": release, "v": version, "m": ABI_MACHINES.get(abi, abi)}


def api_level(props: Any) -> int:
    try:
        return int(props.get("ro.build.version.sdk", "34") or 34)
    except ValueError:
        return 34


def cpu_count(props: Any) -> int:
    """How many processors the phone has (`nproc`, /proc/cpuinfo, /proc/stat agree on it)."""
    try:
        return max(1, int(props.get("ro.virtual.cpus", "") or DEFAULT_CPUS))
    except ValueError:
        return DEFAULT_CPUS


@dataclass(frozen=True)
class Task:
    """A process as /proc shows it. `started` is wall-clock seconds; None = since boot."""

    pid: int
    ppid: int
    name: str  # what ps shows as NAME: the cmdline's first word, or the app's package
    cmdline: tuple[str, ...]
    uid: int = 0
    state: str = "S"
    started: float | None = None
    vsz_kb: int = 10_000
    rss_kb: int = 3_000
    threads: int = 1
    package: str | None = None  # the app it runs, for app processes

    @property
    def comm(self) -> str:
        """The kernel keeps 15 bytes of a task's name; Android names app processes by their tail."""
        if "." in self.name and not self.name.startswith("/"):
            return self.name[-15:]
        return posixpath.basename(self.name)[:15]


STATES = {"R": "R (running)", "S": "S (sleeping)", "D": "D (disk sleep)", "Z": "Z (zombie)"}


class KernelFiles:
    """/proc and /dev of one phone. `phone` gives the properties (API level, ABI, processors) and
    whether adbd runs as root; process sources add the tasks the phone runs (init, apps)."""

    def __init__(self, phone: Any):
        self.phone = phone
        self._lock = threading.Lock()
        self._sources: list[Callable[[], Iterable[Task]]] = []
        self._running: dict[int, tuple[Task, int]] = {}  # pid -> (task, how many holders)
        self._pids = itertools.count(FIRST_COMMAND_PID)
        self._reader = threading.local()  # the pid of the task reading on this thread
        self.booted()

    # -- the phone's side ------------------------------------------------------------------------
    def booted(self) -> None:
        """The kernel (re)started now: uptime and the counters of /proc/stat start over."""
        self.boot_wall = time.time() - KERNEL_HEAD_START
        self._boot_mono = time.monotonic() - KERNEL_HEAD_START
        self.boot_id = str(uuid.uuid4())  # /proc/sys/kernel/random/boot_id: new at every boot
        self.selinux_enforcing = True  # `setenforce 0` (as root) lasts until the next boot

    def add_tasks(self, source: Callable[[], Iterable[Task]]) -> None:
        """A part of the phone that runs processes (the activity manager) lists them here."""
        self._sources.append(source)

    def new_pid(self) -> int:
        with self._lock:
            return next(self._pids)

    @contextmanager
    def running(self, name: str, argv: Iterable[str], ppid: int, pid: int | None = None,
                uid: int = 2000, state: str = "R") -> Iterator[int]:
        """A task that exists while the block runs (a shell, a command); reads of /proc/self on
        this thread meanwhile see it. Yields its pid."""
        with self._lock:
            if pid is None:
                pid = next(self._pids)
            task, holders = self._running.get(pid, (None, 0))
            if task is None:
                task = Task(pid, ppid, name, tuple(argv), uid=uid, state=state, started=time.time(),
                            vsz_kb=10_800_000, rss_kb=3_000)
            self._running[pid] = (task, holders + 1)
        previous = getattr(self._reader, "pid", None)
        self._reader.pid = pid
        try:
            yield pid
        finally:
            self._reader.pid = previous
            with self._lock:
                task, holders = self._running[pid]
                if holders > 1:
                    self._running[pid] = (task, holders - 1)
                else:
                    del self._running[pid]

    def self_pid(self) -> int:
        """The task reading on this thread (adbd when no shell command is running)."""
        return getattr(self._reader, "pid", None) or ADBD_PID

    def tasks(self) -> list[Task]:
        found: dict[int, Task] = {}
        for source in self._sources:
            for task in source():
                found[task.pid] = task
        with self._lock:
            found.update((pid, task) for pid, (task, _n) in self._running.items())
        found.setdefault(ADBD_PID, Task(ADBD_PID, 1, "adbd", ("/apex/com.android.adbd/bin/adbd", "--root_seclabel=u:r:su:s0"),
                                        uid=2000, vsz_kb=10_800_000 // 1024, rss_kb=3000))
        found.setdefault(1, Task(1, 0, "init", ("/system/bin/init", "second_stage"), vsz_kb=10_900, rss_kb=4_200))
        return sorted(found.values(), key=lambda t: t.pid)

    def task(self, pid: int) -> Task | None:
        return next((t for t in self.tasks() if t.pid == pid), None)

    # -- time --------------------------------------------------------------------------------------
    def uptime(self) -> float:
        """Seconds since the phone's kernel started."""
        return time.monotonic() - self._boot_mono

    @property
    def btime(self) -> int:
        return int(self.boot_wall)

    @property
    def cpus(self) -> int:
        return cpu_count(self.phone.props)

    # -- what paths are ours -------------------------------------------------------------------------
    @staticmethod
    def owns(device: str) -> bool:
        """True for /proc and /dev and everything below them: the kernel answers, not the storage."""
        return device in ("/proc", "/dev") or device.startswith(("/proc/", "/dev/"))

    def _node(self, device: str) -> tuple[str, Any] | None:
        """What a path names: ('dir', listing owner) | ('file', maker) | ('link', target) |
        ('chr', name); None when nothing is there."""
        parts = device.strip("/").split("/")
        if parts[0] == "dev":
            if len(parts) == 1:
                return ("dir", None)
            if len(parts) == 2 and parts[1] in CHARACTER_DEVICES:
                return ("chr", parts[1])
            return None
        if len(parts) == 1:
            return ("dir", None)
        name = parts[1]
        if len(parts) == 2:
            if name in PROC_FILES:
                return ("file", getattr(self, "_" + name))
            if name in PROC_LINKS:
                return ("link", PROC_LINKS[name])
            if name == "self":
                return ("link", str(self.self_pid()))
        below = "/".join(parts[1:])
        if below in SYSCTL_FILES:
            return ("file", getattr(self, SYSCTL_FILES[below]))
        if below in SYSCTL_CONSTANTS:
            return ("file", lambda: SYSCTL_CONSTANTS[below] + "\n")
        if any(path.startswith(below + "/") for path in (*SYSCTL_FILES, *SYSCTL_CONSTANTS)):
            return ("dir", None)
        if not name.isdigit():
            return None
        task = self.task(int(name))
        if task is None:
            return None
        if len(parts) == 2:
            return ("dir", task)
        if len(parts) == 3 and parts[2] in TASK_FILES:
            maker = getattr(self, "_task_" + parts[2])
            return ("file", lambda: maker(task))
        return None

    def readlink(self, device: str) -> str | None:
        """The target of a link the kernel serves (/proc/self), None for anything else."""
        node = self._node(device)
        return node[1] if node is not None and node[0] == "link" else None

    # -- stat and list -------------------------------------------------------------------------------
    def stat(self, device: str) -> os.stat_result:
        """lstat of a kernel path (links are not followed: Storage.resolve follows them)."""
        node = self._node(device)
        if node is None:
            raise _error(errno.ENOENT, device)
        kind, what = node
        when = self.boot_wall
        uid = gid = 0
        size = 0
        rdev = 0
        nlink = 1
        dev = DEV_DEV if device.startswith("/dev") else PROC_DEV
        if kind == "dir":
            if device == "/dev":
                mode = statmod.S_IFDIR | 0o755
            else:
                mode = statmod.S_IFDIR | 0o555
            nlink = 2 + (len(self.tasks()) if device == "/proc" else 0)
            if isinstance(what, Task):
                uid = gid = what.uid
                when = what.started or self.boot_wall
                nlink = 9
        elif kind == "link":
            mode = statmod.S_IFLNK | 0o777
            size = 0 if posixpath.basename(device) == "self" else len(what)
        elif kind == "chr":
            mode = statmod.S_IFCHR | 0o666
            rdev = os.makedev(*CHARACTER_DEVICES[what])
        else:
            mode = statmod.S_IFREG | 0o444
            task = self._task_of(device)
            if task is not None:
                uid = gid = task.uid
                when = task.started or self.boot_wall
        ns = int(when * 1e9)
        ino = zlib.crc32(device.encode()) or 1
        return os.stat_result((mode, ino, dev, nlink, uid, gid, size, int(when), int(when), int(when)),
                              {"st_atime": when, "st_mtime": when, "st_ctime": when, "st_atime_ns": ns,
                               "st_mtime_ns": ns, "st_ctime_ns": ns, "st_blksize": 1024, "st_blocks": 0,
                               "st_rdev": rdev})

    def _task_of(self, device: str) -> Task | None:
        parts = device.strip("/").split("/")
        if len(parts) >= 2 and parts[0] == "proc" and parts[1].isdigit():
            return self.task(int(parts[1]))
        return None

    def listdir(self, device: str) -> list[str]:
        node = self._node(device)
        if node is None:
            raise _error(errno.ENOENT, device)
        if node[0] != "dir":
            raise _error(errno.ENOTDIR, device)
        if device == "/dev":
            return sorted(CHARACTER_DEVICES)
        if device == "/proc":
            return [str(t.pid) for t in self.tasks()] + sorted([*PROC_FILES, *PROC_LINKS, "self", "sys"])
        if isinstance(node[1], Task):
            return list(TASK_FILES)
        below = device[len("/proc/"):] + "/"
        return sorted({path[len(below):].split("/")[0] for path in (*SYSCTL_FILES, *SYSCTL_CONSTANTS)
                       if path.startswith(below)})

    # -- open ------------------------------------------------------------------------------------------
    def open_read(self, device: str) -> Any:
        """A binary reader of the file's content (made now: every read of /proc/stat is fresh)."""
        node = self._node(device)
        if node is None:
            raise _error(errno.ENOENT, device)
        kind, what = node
        if kind == "dir":
            raise _error(errno.EISDIR, device)
        if kind == "chr":
            if what == "tty":
                raise _error(errno.ENXIO, device)  # adb shell without a pty has no controlling tty
            if what == "null":
                return io.BytesIO(b"")
            return EndlessInput(random_bytes=what in ("random", "urandom"))
        return io.BytesIO(what().encode())

    def open_write(self, device: str) -> Any:
        """A writer for a character device; the kernel's refusal for anything else."""
        node = self._node(device)
        if node is None:
            raise _error(errno.ENOENT if device.startswith("/proc") else errno.EACCES, device)
        kind, what = node
        if kind == "dir":
            raise _error(errno.EISDIR, device)
        if kind == "chr":
            if what == "tty":
                raise _error(errno.ENXIO, device)
            return FullOutput(device) if what == "full" else NullOutput()
        if not self.phone.root:
            raise _error(errno.EACCES, device)  # r--r--r-- and the shell user is not root
        return RefusedOutput(device)  # root may open it; procfs has no write for it (EIO)

    def refuse_change(self, device: str, creating: bool = False) -> OSError:
        """The error for rm, mv, mkdir, touch, chmod on a kernel path, as the shell user (or root) meets it."""
        if creating and device.startswith("/proc") and self._node(device) is None:
            return _error(errno.ENOENT, device)  # procfs has no create: the name is never found
        return _error(errno.EPERM if self.phone.root else errno.EACCES, device)

    # -- /proc files ---------------------------------------------------------------------------------
    def _version(self) -> str:
        ident = kernel_identity(self.phone.props)
        api = api_level(self.phone.props)
        compiler = next((KERNEL_COMPILERS[level] for level in sorted(KERNEL_COMPILERS, reverse=True)
                         if level <= api), KERNEL_COMPILERS[29])
        return f"Linux version {ident['r']} (build-user@build-host) ({compiler}) {ident['v']}\n"

    def _cpuinfo(self) -> str:
        abi = self.phone.props.get("ro.product.cpu.abi", "x86_64")
        if abi.startswith("arm"):
            return "".join(
                f"processor\t: {n}\nBogoMIPS\t: 38.40\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 "
                "atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\nCPU implementer\t: 0x41\n"
                "CPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3\n\n"
                for n in range(self.cpus))
        flags = ("fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr "
                 "sse sse2 ss ht syscall nx rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid "
                 "tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes "
                 "xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch fsgsbase bmi1 avx2 smep bmi2 "
                 "erms invpcid rdseed adx smap clflushopt xsaveopt xsavec xgetbv1 xsaves arat")
        blocks = []
        for n in range(self.cpus):
            blocks.append(
                f"processor\t: {n}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 158\n"
                "model name\t: Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz\nstepping\t: 10\nmicrocode\t: 0x1\n"
                f"cpu MHz\t\t: 3191.998\ncache size\t: 12288 KB\nphysical id\t: 0\nsiblings\t: {self.cpus}\n"
                f"core id\t\t: {n}\ncpu cores\t: {self.cpus}\napicid\t\t: {n}\ninitial apicid\t: {n}\n"
                "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: 13\nwp\t\t: yes\n"
                f"flags\t\t: {flags}\nbugs\t\t: spectre_v1 spectre_v2 spec_store_bypass swapgs\n"
                "bogomips\t: 6383.99\nclflush size\t: 64\ncache_alignment\t: 64\n"
                "address sizes\t: 39 bits physical, 48 bits virtual\npower management:\n\n")
        return "".join(blocks)

    def _meminfo(self) -> str:
        total = MEM_TOTAL_KB
        free = total * 31 // 100
        cached = total * 38 // 100
        rows = [("MemTotal", total), ("MemFree", free), ("MemAvailable", free + cached * 9 // 10),
                ("Buffers", total // 90), ("Cached", cached), ("SwapCached", 0),
                ("Active", total * 22 // 100), ("Inactive", total * 30 // 100),
                ("Active(anon)", total * 12 // 100), ("Inactive(anon)", total * 2 // 100),
                ("Active(file)", total * 10 // 100), ("Inactive(file)", total * 28 // 100),
                ("Unevictable", total // 200), ("Mlocked", total // 200),
                ("SwapTotal", total // 2), ("SwapFree", total // 2), ("Dirty", 64), ("Writeback", 0),
                ("AnonPages", total * 14 // 100), ("Mapped", total * 16 // 100), ("Shmem", total // 100),
                ("KReclaimable", total * 3 // 100), ("Slab", total * 6 // 100),
                ("SReclaimable", total * 3 // 100), ("SUnreclaim", total * 3 // 100),
                ("KernelStack", 20_000), ("PageTables", 40_000), ("CommitLimit", total),
                ("Committed_AS", total * 3), ("VmallocTotal", 34_359_738_367), ("VmallocUsed", 30_000),
                ("Hugepagesize", 2048)]
        return "".join(f"{name + ':':<16}{value:>8} kB\n" for name, value in rows)

    def _cpu_times(self, cpu: int) -> list[int]:
        """user nice system idle iowait irq softirq steal guest guest_nice, in clock ticks: shares of
        the time since boot, so every counter grows and none ever goes back."""
        t = int(self.uptime() * USER_HZ) + 37 * cpu
        return [t * 6 // 100, t // 200, t * 4 // 100, t * 85 // 100, t // 100, 0, t // 300, 0, 0, 0]

    def _stat(self) -> str:
        per_cpu = [self._cpu_times(n) for n in range(self.cpus)]
        total = [sum(column) for column in zip(*per_cpu, strict=True)]
        ticks = int(self.uptime() * USER_HZ)
        tasks = self.tasks()
        lines = ["cpu  " + " ".join(map(str, total))]
        lines += [f"cpu{n} " + " ".join(map(str, times)) for n, times in enumerate(per_cpu)]
        interrupts = 150_000 + ticks * 35
        lines += [f"intr {interrupts} 0 {ticks * 9} 0 0 0 0 0 0 1 0 0 0 {ticks * 4} 0 0 0",
                  f"ctxt {400_000 + ticks * 180}",
                  f"btime {self.btime}",
                  f"processes {max(t.pid for t in tasks) + 600}",
                  f"procs_running {sum(1 for t in tasks if t.state == 'R') or 1}",
                  "procs_blocked 0",
                  f"softirq {90_000 + ticks * 20} 0 {ticks * 8} {ticks // 4} {ticks * 3} 0 0 {ticks} "
                  f"{ticks * 4} 0 {ticks * 3}"]
        return "\n".join(lines) + "\n"

    def _uptime(self) -> str:
        up = self.uptime()
        return f"{up:.2f} {up * self.cpus * 0.85:.2f}\n"

    def _loadavg(self) -> str:
        tasks = self.tasks()
        running = sum(1 for t in tasks if t.state == "R") or 1
        return f"0.52 0.58 0.59 {running}/{len(tasks) * 3 + 800} {max(t.pid for t in tasks)}\n"

    def _boot_id(self) -> str:
        return self.boot_id + "\n"

    def _uuid(self) -> str:
        return str(uuid.uuid4()) + "\n"  # a new one at every read

    def _osrelease(self) -> str:
        return kernel_identity(self.phone.props)["r"] + "\n"

    def _pid_max(self) -> str:
        return "32768\n"

    def _modules(self) -> str:
        return "".join(f"{name} {size} {users} {by} Live 0x0000000000000000\n" for name, size, users, by in KERNEL_MODULES)

    def _filesystems(self) -> str:
        return "".join(line + "\n" for line in FILESYSTEMS)

    # -- /proc/PID files -------------------------------------------------------------------------------
    def _task_mounts(self, task: Task) -> str:
        return "".join(f"{m.source} {m.target} {m.fstype} {m.options} 0 0\n" for m in MOUNTS)

    def _task_cmdline(self, task: Task) -> str:
        return "".join(arg + "\0" for arg in task.cmdline)[:KERNEL_CMDLINE_MAX]

    def _task_comm(self, task: Task) -> str:
        return task.comm + "\n"

    def _ticks(self, task: Task) -> tuple[int, int]:
        """(start time, time it ran) in clock ticks since boot."""
        now = self.uptime()
        start = 0.5 + task.pid / 1000 if task.started is None else max(0.0, task.started - self.boot_wall)
        start = min(start, now)
        return int(start * USER_HZ), int((now - start) * USER_HZ)

    def _task_stat(self, task: Task) -> str:
        start, alive = self._ticks(task)
        utime, stime = alive // 50, alive // 80
        fields = [task.pid, f"({task.comm})", task.state, task.ppid, task.pid, task.pid, 0, -1, 4194560,
                  alive // 3, 0, alive // 400, 0, utime, stime, 0, 0, 20, 0, task.threads, 0, start,
                  task.vsz_kb * 1024, task.rss_kb // PAGE_KB, 18446744073709551615, 1, 1, 0, 0, 0, 0, 0,
                  4612, 1073775864, 0, 0, 0, 17, task.pid % self.cpus, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        return " ".join(map(str, fields)) + "\n"

    def _task_statm(self, task: Task) -> str:
        size, resident = task.vsz_kb // PAGE_KB, task.rss_kb // PAGE_KB
        return f"{size} {resident} {resident * 2 // 3} 1 0 {resident // 2} 0\n"

    def _task_status(self, task: Task) -> str:
        _start, alive = self._ticks(task)
        ids = "\t".join([str(task.uid)] * 4)
        return (f"Name:\t{task.comm}\nUmask:\t0077\nState:\t{STATES.get(task.state, task.state)}\n"
                f"Tgid:\t{task.pid}\nNgid:\t0\nPid:\t{task.pid}\nPPid:\t{task.ppid}\nTracerPid:\t0\n"
                f"Uid:\t{ids}\nGid:\t{ids}\nFDSize:\t64\nGroups:\t3003 9997\n"
                f"VmPeak:\t{task.vsz_kb + 4096:>8} kB\nVmSize:\t{task.vsz_kb:>8} kB\n"
                f"VmHWM:\t{task.rss_kb + 512:>8} kB\nVmRSS:\t{task.rss_kb:>8} kB\n"
                f"Threads:\t{task.threads}\nSigQ:\t0/7732\nSigPnd:\t0000000000000000\n"
                "SigBlk:\t0000000080001204\nSigIgn:\t0000000000000001\nSigCgt:\t0000000c400084f8\n"
                "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
                "Seccomp:\t2\nSeccomp_filters:\t1\n"
                f"Cpus_allowed_list:\t0-{self.cpus - 1}\n"
                f"voluntary_ctxt_switches:\t{alive // 2}\nnonvoluntary_ctxt_switches:\t{alive // 20}\n")


def _error(code: int, device: str) -> OSError:
    return OSError(code, os.strerror(code), device)


class EndlessInput:
    """/dev/zero, /dev/random, /dev/urandom: never at an end (readers stop on their own limits)."""

    def __init__(self, random_bytes: bool = False):
        self._random = random_bytes

    def read(self, n: int | None = -1) -> bytes:
        n = 65536 if n is None or n < 0 else n
        return os.urandom(n) if self._random else bytes(n)

    def readline(self) -> bytes:
        return self.read(4096)

    def seek(self, pos: int, whence: int = 0) -> int:
        return 0  # character devices ignore lseek

    def close(self) -> None:
        pass

    def __enter__(self) -> EndlessInput:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class NullOutput:
    """/dev/null (and /dev/zero, /dev/random as write targets): every byte is taken and dropped."""

    written = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def truncate(self, size: int) -> None:
        pass

    def __enter__(self) -> NullOutput:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class FullOutput(NullOutput):
    """/dev/full: every write fails with ENOSPC."""

    def __init__(self, device: str = "/dev/full"):
        self.device_path = device

    def write(self, data: bytes | bytearray | memoryview) -> int:
        raise _error(errno.ENOSPC, self.device_path)


class RefusedOutput(FullOutput):
    """A /proc file root opened for writing: procfs has no write for it, so each write fails with EIO."""

    def write(self, data: bytes | bytearray | memoryview) -> int:
        raise _error(errno.EIO, self.device_path)
