"""How the phone resolves paths, against the oracle (Debian's toybox 0.8.9 under mksh on a real
Linux folder): a trailing slash follows a symlink and demands a folder, and `rm -r` unlinks the
symlinks it meets instead of descending into them. Same normalisations as test_file_applets.py.
"""

from __future__ import annotations

import pytest
from oracle import oracle_skip_reason, run_phone

oracle = pytest.mark.skipif(oracle_skip_reason() is not None, reason=oracle_skip_reason() or "")
pytestmark = pytest.mark.oracle

# `/sdcard/` is how every Android guide names shared storage: the slash must go through the link.
TRAILING_SLASH = [
    "find link_to_dcim/ -name '*.jpg'", "find link_to_dcim/", "ls link_to_dcim/", "ls -la link_to_dcim/",
    "ls -ld link_to_dcim/", "ls -R link_to_dcim/", "ls -lR link_to_dcim/", "ls -R DCIM//", "ls -R DCIM/ link_to_dcim/", "ls -d link_to_dcim/ DCIM/", "du -s link_to_dcim/", "du -a link_to_dcim/",
    "stat -c %F link_to_dcim/ link_to_dcim", "find link_to_dcim/Camera/ -type f", "ls -d link_to_dcim/.",
    "cp a.txt link_to_dcim/; ls DCIM", "mv b.log link_to_dcim/; ls DCIM",
    "cd link_to_dcim/ && ls",
    # ...and a slash after something that is not a folder is an error, even through a link
    "ls link_to_a/", "cat link_to_a/", "cat a.txt/", "find link_to_a/", "du link_to_a/", "stat link_to_a/",
    "ls dangling/", "ls -l a.txt/", "rmdir link_to_dcim/", "touch link_to_a/", "cp a.txt nonexist/", "echo x > nonexist/", "echo x > link_to_dcim/",
    "mkdir newd/; ls -d newd", "ls a.txt/..", "ls nonexist/..", "cat a.txt/.", "readlink link_to_dcim/",
    "rmdir emptydir/; ls -d emptydir", "mkdir link_to_dcim/", "rm nonexist/", "rm -r DCIM/Camera/; ls DCIM",
    # toybox rm strips the slash: the link goes, the folder it names stays
    "rm -r link_to_dcim/; echo $?; ls -d link_to_dcim DCIM; find DCIM", "rm link_to_a/; ls a.txt link_to_a",
]
RM_THROUGH_LINKS = [
    "mkdir -p box/real && ln -s real box/alias && rm -r box; echo $?; ls -d box",
    "mkdir box && ln -s ../DCIM box/dcim && rm -r box; echo $?; find DCIM",
    "mkdir -p box/real && touch box/real/f && ln -s real box/alias && rm -rf box; echo $?; ls box",
    "mkdir -p box/a box/b && ln -s ../b box/a/up && ln -s a box/z && rm -r box; echo $?; ls -d box",
]

# A path resolved once must resolve anew after the links and folders on its way change.
CHANGING_LINKS = [
    "mkdir -p p q && touch q/in_q && ls p/ && rmdir p && ln -s q p && ls p/",
    "mkdir -p r/s && ln -s r t && ls t/ && rm t && ln -s DCIM t && ls t/",
    "ln -s DCIM lk && ls lk/ && rm lk && mkdir lk && ls -a lk/",
    "mkdir -p m/n && ls -d m/n && mv m m2 && ls -d m/n; ls -d m2/n",
    "mkdir -p u/v && ln -s u w && ls w/ && rm -r u && mkdir -p u/x && ls w/",
    "mkdir -p g/h && cd g && ls && cd .. && rm -r g && ln -s DCIM g && cd g/ && ls",
]


def assert_same(trees, command: str) -> None:
    expected, got = trees.both(command)
    assert (got.status, got.stdout, got.stderr) == (expected.status, expected.stdout, expected.stderr), command


@oracle
@pytest.mark.parametrize("command", TRAILING_SLASH)
def test_trailing_slash_matches_toybox(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", RM_THROUGH_LINKS)
def test_rm_r_unlinks_symlinks_like_toybox(trees, command):
    assert_same(trees, command)


def test_sdcard_with_a_slash_is_shared_storage(adb_server, shell_phone):
    # The phone's own link chain (/sdcard -> /storage/self/primary -> ... -> /storage/emulated/0),
    # which the oracle's tree cannot have: the idioms of every Android guide.
    shell_phone.storage.write_bytes("/storage/emulated/0/Pictures/slash/IMG_7.jpg", b"\xff\xd8" + b"j" * 4094,
                                    make_parents=True)
    found = run_phone(adb_server, shell_phone, "/", "find /sdcard/ -name IMG_7.jpg")
    assert (found.status, found.stdout, found.stderr) == (0, b"/sdcard/Pictures/slash/IMG_7.jpg\n", b"")
    listed = run_phone(adb_server, shell_phone, "/", "ls /sdcard/Pictures/slash/")
    assert listed.stdout == b"IMG_7.jpg\n"
    usage = run_phone(adb_server, shell_phone, "/", "du -s /sdcard/Pictures/slash/")
    assert usage.stdout == b"8\t/sdcard/Pictures/slash/\n"  # the folder and the file, 4 KiB each
    long = run_phone(adb_server, shell_phone, "/", "ls -ld /sdcard/")
    assert long.stdout.startswith(b"d")


@oracle
@pytest.mark.parametrize("command", CHANGING_LINKS)
def test_paths_resolve_anew_after_links_change(trees, command):
    assert_same(trees, command)
