"""`phonebackup media ...`: list profiles, generate a profile into a folder (files + manifest.json),
seed one onto a phone and wipe it again. Not for verifying restores (`phonebackup verify`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import PhoneBackupError, ScenarioError
from ..manifest import Manifest
from ..names import display
from ..phonelike import PhoneLike
from .cache import Cache
from .catalog import builtin_profiles, load_profile


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    media = subparsers.add_parser("media", help="generate media profiles, seed and wipe phone galleries",
                                  description="Generated gallery content, deterministic from a profile and a seed.")
    actions = media.add_subparsers(dest="media_command", metavar="ACTION")

    profiles = actions.add_parser("profiles", help="list the built-in profiles")
    profiles.set_defaults(func=run_profiles)

    gen = actions.add_parser("generate", help="write a profile's files and manifest.json into a folder",
                             description="Write every item of a profile under --out (a tree mirroring "
                                         "/sdcard) and --out/manifest.json.")
    _profile_arguments(gen)
    gen.add_argument("--out", type=Path, required=True, help="folder to write (created if missing)")
    gen.set_defaults(func=run_generate)

    seed = actions.add_parser("seed", help="seed a profile onto a phone; prints or saves the manifest",
                              description="Push a profile onto the phone, scan, wait until MediaStore "
                                          "lists it, and save the manifest (needed by `media wipe`).")
    seed.add_argument("--serial", required=True, help="the phone, as `adb devices` lists it")
    _profile_arguments(seed)
    seed.add_argument("--originals", type=Path, default=None,
                      help="keep the generated files in this folder (phonebackup verify then says how a file differs)")
    seed.add_argument("--manifest", type=Path, default=None,
                      help="where to save the manifest (default: print it on stdout)")
    seed.set_defaults(func=run_seed)

    wipe = actions.add_parser("wipe", help="remove what `media seed` put on a phone, and nothing else")
    wipe.add_argument("--serial", required=True, help="the phone, as `adb devices` lists it")
    wipe.add_argument("--manifest", type=Path, required=True, help="the manifest `media seed` saved")
    wipe.add_argument("--allow-wipe", action="store_true",
                      help="allow wiping on real hardware (never needed for emulators and virtual phones)")
    wipe.set_defaults(func=run_wipe)
    def show_help(args: argparse.Namespace) -> int:
        media.print_help()
        return 2

    media.set_defaults(func=show_help)


def _profile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", required=True,
                        help=f"built-in profile ({', '.join(builtin_profiles())}) or the path of a YAML file")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same bytes (default 0)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="generation cache folder (default $PHONEBACKUP_MEDIA_CACHE or ~/.cache/pytest-phonebackup/media)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _fail(command: str, exc: Exception | str, stdout: str = "") -> int:
    if stdout:
        print(stdout)
    print(f"phonebackup media {command}: {exc}", file=sys.stderr)
    return 1


def _bad_profile(command: str, name: str) -> int:
    """2 (a usage error, one line) when the profile does not load, before any file is made or phone attached."""
    try:
        load_profile(name)
    except ScenarioError as exc:
        print(f"phonebackup media {command}: {exc}", file=sys.stderr)
        return 2
    return 0


def run_profiles(args: argparse.Namespace) -> int:
    for name in builtin_profiles():
        profile = load_profile(name)
        print(f"{name:10} {len(profile.specs):6} items  {profile.description}")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    from .generate import generate

    if _bad_profile("generate", args.profile):
        return 2
    try:
        # copies, not links into the cache: the user may edit what the folder holds
        manifest = generate(args.profile, args.seed, args.out, cache=Cache(args.cache), progress=not args.quiet,
                            link=False)
    except (PhoneBackupError, ValueError, OSError) as exc:
        return _fail("generate", exc)
    try:
        path = manifest.save(args.out / "manifest.json")
    except (ValueError, OSError) as exc:
        return _fail("generate", f"cannot write {args.out / 'manifest.json'}: {exc}")
    print(f"{len(manifest.items)} items, {manifest.total_bytes / 1e6:.1f} MB in {args.out}; manifest: {path}")
    return 0


def _attach(serial: str, allow_wipe: bool = False) -> PhoneLike:
    from ..provision.attached import AttachedProvisioner

    return AttachedProvisioner([serial], allow_wipe=allow_wipe).attach(serial)


def run_seed(args: argparse.Namespace) -> int:
    from .gallery import Gallery

    if _bad_profile("seed", args.profile):
        return 2
    try:
        phone = _attach(args.serial)
        manifest = Gallery(phone, cache=Cache(args.cache), progress=not args.quiet).seed(
            args.profile, args.seed, keep_originals=args.originals)
    except (PhoneBackupError, ValueError, OSError) as exc:
        return _fail("seed", exc)
    if args.manifest:
        try:
            manifest.save(args.manifest)
        except (ValueError, OSError) as exc:
            return _fail("seed", f"seeded, but cannot write {args.manifest}: {exc}; `media wipe` needs it, so "
                                 "write it to a writable folder with free space (it is printed below)",
                         manifest.to_json())
        print(f"seeded {len(manifest.items)} items ({manifest.total_bytes / 1e6:.1f} MB) on {args.serial}; "
              f"manifest: {args.manifest}")
    else:
        print(manifest.to_json())
    return 0


def run_wipe(args: argparse.Namespace) -> int:
    from .gallery import Gallery

    try:
        manifest = Manifest.load(args.manifest)
        result = Gallery(_attach(args.serial, args.allow_wipe)).wipe(manifest)
    except (PhoneBackupError, ValueError, OSError) as exc:
        return _fail("wipe", exc)
    print(f"removed {len(result.removed)}, already gone {len(result.missing)}, "
          f"left alone (changed since seeding) {len(result.refused)}")
    for path in result.refused:
        print(f"  kept {display(path)}")
    return 0
