"""Generated media: generation MB/s against plain writes of the same bytes, peak RSS while making
100+ MP pictures and a multi-GB video (target < 1.5 GB), and seeding a phone against a raw `adb
push` of the same tree, all in one run. Not a test: nothing here asserts; it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from pytest_phonebackup.media import Cache, generate
from pytest_phonebackup.phone.adb import adb_path
from pytest_phonebackup.virtual import PhoneConfig
from pytest_phonebackup.virtual.cli import start_phone

from . import _figures as figures

RSS_TARGET = 1.5e9
CACHED_TARGET = 10.0  # generation from the cache against cold, every profile
COLD_LIMITS = {"stress": 3.0}  # seconds of cold generation
COLD_VS_PLAIN = {"edge": 0.3}  # cold generation's speed against plain writes of the same bytes
SEED_TARGET = 1.3  # Gallery.seed against `adb push` of the same tree
REPO = Path(__file__).resolve().parents[1]


def plain_write_seconds(folder: Path, manifest, scratch: Path) -> float:
    """Write the same bytes with plain open/write calls (read into memory first, outside the clock)."""
    seconds = 0.0
    for item in manifest.items:
        data = (folder / item.path).read_bytes()
        target = scratch / f"{item.id}.bin"
        start = time.perf_counter()
        with open(target, "wb") as out:
            out.write(data)
        seconds += time.perf_counter() - start
        target.unlink()
    return seconds


def generation(work: Path, profile: str) -> bool:
    """Cold generation against the same profile from the cache, and against plain writes."""
    out, cache = work / f"gen-{profile}", Cache(work / f"cache-{profile}")
    start = time.perf_counter()
    manifest = generate(profile, 1, out, cache=cache, progress=False)
    cold = time.perf_counter() - start
    shutil.rmtree(out)
    start = time.perf_counter()
    manifest = generate(profile, 1, out, cache=cache, progress=False)
    warm = time.perf_counter() - start
    plain = plain_write_seconds(out, manifest, work)
    size = manifest.total_bytes
    print(f"generate {profile}: {len(manifest.items)} items, {size / 1e6:.1f} MB, cold {size / cold / 1e6:.1f} MB/s, "
          f"cached {size / warm / 1e6:.1f} MB/s, plain writes {size / plain / 1e6:.1f} MB/s")
    met = figures.ratio(f"cached generate {profile}", warm, "cold", cold, at_least=CACHED_TARGET, speed=True)
    if profile in COLD_LIMITS:
        met &= figures.time_limit(f"cold generate {profile}", cold, COLD_LIMITS[profile])
    if profile in COLD_VS_PLAIN:
        met &= figures.ratio(f"cold generate {profile}", cold, "plain writes", plain,
                             at_least=COLD_VS_PLAIN[profile], speed=True)
    shutil.rmtree(out)
    return met


def peak_rss(work: Path, video_size: str) -> float:
    """Peak RSS of a fresh process making 100 MP+2 and 144 MP JPEGs and a `video_size` MP4."""
    profile = work / "big.yaml"
    profile.write_text(textwrap.dedent(f"""\
        profile: big
        items:
          - {{id: p100, path: DCIM/p100.jpg, pixels: 100MP+2, aspect: 2}}
          - {{id: p144, path: DCIM/p144.jpg, size: 12000x12000}}
          - {{id: video, path: DCIM/big.mp4, size: 1280x720, duration: 3, bytes: {video_size}}}
        """))
    script = textwrap.dedent(f"""
        import json, resource, time
        from pathlib import Path
        from pytest_phonebackup.media import Cache, generate
        start = time.perf_counter()
        m = generate(Path({str(profile)!r}), 1, Path({str(work / 'big')!r}), cache=Cache({str(work / 'big-cache')!r}),
                     progress=False)
        print(json.dumps({{"rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                          "seconds": time.perf_counter() - start, "bytes": m.total_bytes}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    if done.returncode:
        print(done.stderr)
        return float("inf")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"peak RSS making 100 MP+2 and 144 MP JPEGs and a {video_size} video: {figures['rss'] / 1e6:.0f} MB "
          f"(target < {RSS_TARGET / 1e9:.1f} GB: {'met' if figures['rss'] < RSS_TARGET else 'NOT met'}); "
          f"{figures['bytes'] / 1e9:.2f} GB in {figures['seconds']:.1f} s")
    shutil.rmtree(work / "big", ignore_errors=True)
    return figures["rss"]


def seeding(work: Path, profile: str) -> bool:
    """Gallery.seed (cache warm: pushing, scanning, waiting for MediaStore) against `adb push` of the tree."""
    import adbutils

    from pytest_phonebackup.media.gallery import Gallery
    from pytest_phonebackup.phone import Phone

    cache = Cache(work / f"cache-{profile}")
    tree = work / "tree"
    manifest = generate(profile, 1, tree, cache=cache, progress=False)  # warms the cache too
    port = _free_port()
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)
    adb = [adb_path(), "-P", str(port)]
    subprocess.run(adb + ["start-server"], check=True, capture_output=True)
    try:
        # start_phone retries when a parallel run takes the chosen port pair first
        vp = start_phone(PhoneConfig(data_dir=work / "phone", storage_bytes=4 * manifest.total_bytes + 2**30))
        try:
            deadline = time.monotonic() + 30
            while f"{vp.serial}\tdevice" not in subprocess.run(adb + ["devices"], capture_output=True, text=True).stdout:
                if time.monotonic() > deadline:
                    print(f"{vp.serial} never showed up in adb devices")
                    return False
                time.sleep(0.1)
            start = time.perf_counter()
            subprocess.run(adb + ["-s", vp.serial, "push", "--sync", str(tree) + "/.", "/sdcard/raw/"], check=True,
                           capture_output=True)
            raw = time.perf_counter() - start
            phone = Phone(vp.serial, adbutils.AdbClient(port=port), "virtual")
            start = time.perf_counter()
            seeded = Gallery(phone, cache=cache, workdir=work, progress=False).seed(profile, 1)
            seed_seconds = time.perf_counter() - start
            phone.close()
        finally:
            vp.close()
    finally:
        subprocess.run(adb + ["kill-server"], capture_output=True)
    size = seeded.total_bytes
    print(f"seed {profile}: {len(seeded.items)} items, {size / 1e6:.1f} MB (generate from cache + push + scan + "
          "MediaStore wait)")
    return figures.ratio(f"seed {profile}", seed_seconds, "adb push", raw, at_most=SEED_TARGET)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks media")
    parser.add_argument("--profiles", default="smoke,edge,stress", help="profiles to generate (default smoke,edge,stress)")
    parser.add_argument("--video-size", default="5GB", help="size of the padded video for the RSS figure (default 5GB)")
    parser.add_argument("--seed-profile", default="edge", help="profile seeded onto a virtual phone (default edge)")
    args, _ = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-media-", dir=os.environ.get("TMPDIR")) as tmp:
        work = Path(tmp)
        met = True
        for profile in args.profiles.split(","):
            met &= generation(work, profile)
        rss = peak_rss(work, args.video_size)
        met &= seeding(work, args.seed_profile)
    return 0 if met and rss < RSS_TARGET else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
