"""Facts about Android that several parts of the harness rely on: where shared storage is, which
extensions the media scanner files as images or videos, and which folders hold apps' private files.
Not for talking to a phone (phone/) and not used by the standalone virtual phone (virtual/ has its own).
"""

from __future__ import annotations

SHARED_STORAGE = "/sdcard"  # $EXTERNAL_STORAGE on every Android build; the gallery lives under it

# Extensions MediaStore files as images or videos (Android's MimeUtils); others are not in the gallery.
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "heic", "heif", "gif", "tif", "tiff", "dng", "bmp"})
VIDEO_EXTENSIONS = frozenset({"mp4", "mov", "3gp", "3gpp", "mkv", "webm", "avi"})
MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS

#: The Android release of each API level the virtual phone can be (the emulator images it imitates).
ANDROID_RELEASE = {26: "8.0", 27: "8.1", 28: "9", 29: "10", 30: "11", 31: "12", 32: "12L", 33: "13", 34: "14",
                   35: "15", 36: "16"}
API_LEVELS = tuple(sorted(ANDROID_RELEASE))

#: Folders under shared storage that hold apps' private files, not the user's gallery.
PRIVATE_FOLDERS = ("Android/data", "Android/obb")


def extension_of(path: str) -> str:
    """'DCIM/a.b/IMG.JPG' -> 'jpg'; '' when the name has no extension."""
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def is_image(path: str) -> bool:
    return extension_of(path) in IMAGE_EXTENSIONS


def is_video(path: str) -> bool:
    return extension_of(path) in VIDEO_EXTENSIONS


def is_media(path: str) -> bool:
    """Would MediaStore file this name as an image or a video (by extension, as its scanner does)?"""
    return extension_of(path) in MEDIA_EXTENSIONS


def is_private(rel: str) -> bool:
    """Is `rel` (relative to shared storage) inside an app's private folder?"""
    rel = rel.strip("/")
    return any(rel == folder or rel.startswith(folder + "/") for folder in PRIVATE_FOLDERS)
