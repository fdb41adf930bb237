"""Big files with bounded memory: a padded video grows to any size as a hole in the file, with the
free box's 64-bit size once it passes 4 GiB, and stays playable. Run in a child process so its
peak RSS is its own."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import av
import numpy as np

from pytest_phonebackup.media.make import pad_mp4
from pytest_phonebackup.media.probe import mp4_top_boxes

REPO = Path(__file__).resolve().parents[2]


def generate_padded_video(tmp_path: Path, name: str, size: str) -> dict:
    """Generate one padded video in a child process (so its peak RSS is its own)."""
    script = textwrap.dedent(f"""
        import json, resource
        from pathlib import Path
        from pytest_phonebackup.media import Cache, generate
        profile = Path({str(tmp_path / (name + ".yaml"))!r})
        profile.write_text('''profile: {name}
        items:
          - {{id: big, path: DCIM/Camera/VID_big.mp4, size: 640x360, duration: 2, bytes: {size}}}
        ''')
        manifest = generate(profile, 1, Path({str(tmp_path / name)!r}), cache=Cache({str(tmp_path / "c")!r}), progress=False)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(json.dumps({{"rss": rss, "size": manifest.items[0].size, "sha": manifest.items[0].sha256}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_padded_gigabyte_video_needs_little_memory_and_disk(tmp_path):
    small = generate_padded_video(tmp_path, "small", "10MB")
    figures = generate_padded_video(tmp_path, "big", "1GB+7")
    video = tmp_path / "big" / "DCIM/Camera/VID_big.mp4"
    assert figures["size"] == video.stat().st_size == 1_000_000_007
    # Memory does not grow with the padding: a 1 GB video costs what a 10 MB one does (the encoder
    # libraries dominate both); the absolute peak is a benchmark figure (benchmarks/media.py).
    grown = figures["rss"] - small["rss"]
    assert grown < 64 * 1024**2, f"peak RSS grew by {grown / 1024**2:.0f} MiB from 10 MB to 1 GB"
    assert video.stat().st_blocks * 512 < 50 * 1024**2, "the padding was written out instead of left as a hole"
    assert mp4_top_boxes(video)[-1][0] == "free"
    with av.open(str(video)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 20


def test_padding_past_4GiB_uses_a_64_bit_box_size_players_accept(tmp_path):
    video = tmp_path / "v.mp4"
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for index in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), index * 40, "uint8"), format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    base = video.stat().st_size
    target = (1 << 32) + 12345
    pad_mp4(video, target, large=True)
    assert video.stat().st_size == target
    assert mp4_top_boxes(video)[-1] == ("free", target - base)
    with open(video, "rb") as raw:
        raw.seek(base)
        assert raw.read(8)[:4] == b"\x00\x00\x00\x01"  # size 1: a 64-bit largesize follows
    with av.open(str(video)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 5
