"""APK files for the virtual phone: what PackageManager reads from an APK's binary
AndroidManifest.xml (through pyaxmlparser), and a builder of small valid APKs for tests and demos.
Not for signing, dex code or resources: the virtual phone never runs an APK's code.
"""

from __future__ import annotations

import io
import logging
import random
import struct
import zipfile
from dataclasses import dataclass, field

from pyaxmlparser import APK
from pyaxmlparser.resources import public

ANDROID_NS = "http://schemas.android.com/apk/res/android"


class ApkError(Exception):
    """An APK that Android would refuse. `code` is the INSTALL_PARSE_FAILED_* reason pm prints."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Instrumentation:
    """An <instrumentation> entry: what `pm list instrumentation` shows and `am instrument` runs."""

    name: str  # fully qualified class name
    target_package: str


@dataclass
class ApkInfo:
    """What Android takes from an APK's manifest at install time."""

    package: str
    version_code: int = 0
    version_name: str | None = None
    min_sdk: int = 1
    target_sdk: int = 0
    label: str | None = None
    permissions: list[str] = field(default_factory=list)  # <uses-permission>, in manifest order
    activities: list[str] = field(default_factory=list)  # fully qualified class names
    launcher_activity: str | None = None  # the MAIN/LAUNCHER activity, fully qualified
    instrumentations: list[Instrumentation] = field(default_factory=list)
    split: str | None = None  # the split name of a split APK (<manifest split="config.xx">); None = base
    debuggable: bool = False  # <application android:debuggable="true">: run-as may enter its data


def _qualify(package: str, name: str) -> str:
    """Manifest class names may be relative ('.Main', 'Main'); Android qualifies them with the package."""
    if name.startswith("."):
        return package + name
    if "." not in name:
        return f"{package}.{name}"
    return name


def _int(value: object, default: int) -> int:
    try:
        return int(str(value), 0)
    except (TypeError, ValueError):
        return default


def read_apk(data: bytes, shown_path: str = "base.apk") -> ApkInfo:
    """Parse an APK's manifest. Raises ApkError with Android's reason when the file is not an APK.

    `shown_path` is the device path Android names in its failure messages.
    """
    # pyaxmlparser logs its own complaints at ERROR; the install reply already says what failed.
    quiet = logging.getLogger("pyaxmlparser")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        try:
            apk = APK(data, raw=True)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error) as exc:
            raise ApkError("INSTALL_PARSE_FAILED_NOT_APK",
                           f"Failed to parse {shown_path}: Failed to load asset path {shown_path}") from exc
        if "AndroidManifest.xml" not in apk.zip.namelist():
            raise ApkError("INSTALL_PARSE_FAILED_BAD_MANIFEST",
                           f"Failed to parse {shown_path}: No AndroidManifest.xml in {shown_path}")
        if not apk.is_valid_APK():
            raise ApkError("INSTALL_PARSE_FAILED_MANIFEST_MALFORMED",
                           f"Failed parse during installPackageLI: {shown_path} (at Binary XML file line #1): "
                           "the binary AndroidManifest.xml cannot be read")
        package = apk.get_package() or ""
        if not package:
            raise ApkError("INSTALL_PARSE_FAILED_MANIFEST_MALFORMED",
                           f"Failed parse during installPackageLI: {shown_path} (at Binary XML file line #1): "
                           "<manifest> does not have package attribute")
        info = ApkInfo(
            package=package,
            version_code=_int(apk.get_androidversion_code(), 0),
            version_name=apk.get_androidversion_name() or None,
            min_sdk=_int(apk.get_min_sdk_version(), 1),
            target_sdk=_int(apk.get_target_sdk_version(), 0),
            permissions=list(dict.fromkeys(p for p, _maxsdk in apk.uses_permissions if p)),
        )
        info.target_sdk = info.target_sdk or info.min_sdk
        info.split = apk.get_attribute_value("manifest", "split") or None
        label = apk.get_attribute_value("application", "label")
        info.label = label if label and not str(label).startswith("@") else None
        info.debuggable = str(apk.get_attribute_value("application", "debuggable")).lower() in ("true", "1")
        info.activities = [_qualify(package, a) for a in apk.get_activities()]
        main = apk.get_main_activity()
        info.launcher_activity = _qualify(package, main) if main else None
        for node in apk.find_tags("instrumentation"):
            name = apk.get_value_from_tag(node, "name")
            if name:
                target = apk.get_value_from_tag(node, "targetPackage") or package
                info.instrumentations.append(Instrumentation(_qualify(package, name), target))
        return info
    finally:
        quiet.setLevel(level)


# -- building APKs --------------------------------------------------------------------------------
# Binary XML chunk types: frameworks/base/libs/androidfw/include/androidfw/ResourceTypes.h
RES_STRING_POOL_TYPE = 0x0001
RES_XML_TYPE = 0x0003
RES_XML_START_NAMESPACE_TYPE = 0x0100
RES_XML_END_NAMESPACE_TYPE = 0x0101
RES_XML_START_ELEMENT_TYPE = 0x0102
RES_XML_END_ELEMENT_TYPE = 0x0103
RES_XML_RESOURCE_MAP_TYPE = 0x0180
TYPE_STRING = 0x03  # Res_value::dataType
TYPE_INT_DEC = 0x10
TYPE_INT_BOOLEAN = 0x12
NO_INDEX = 0xFFFFFFFF

#: Resource ids of android: attributes (android.R.attr), taken from pyaxmlparser's public table.
_ATTR_IDS: dict[str, int] = public.SYSTEM_RESOURCES["attributes"]["forward"]


@dataclass
class XmlNode:
    """One element for the binary XML encoder. Attribute names 'android:x' live in Android's namespace."""

    tag: str
    attrs: dict[str, str | int | bool] = field(default_factory=dict)
    children: list[XmlNode] = field(default_factory=list)


class _StringPool:
    def __init__(self) -> None:
        self.strings: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.strings)
            self.strings.append(text)
        return self.index[text]

    def encode(self) -> bytes:
        offsets, body = [], bytearray()
        for text in self.strings:
            offsets.append(len(body))
            units = text.encode("utf-16-le")
            if len(units) // 2 > 0x7FFF:
                raise ValueError("string too long for a binary XML string pool")
            body += struct.pack("<H", len(units) // 2) + units + b"\0\0"
        body += b"\0" * (-len(body) % 4)
        header_size = 28
        strings_start = header_size + 4 * len(offsets)
        size = strings_start + len(body)
        head = struct.pack("<HHIIIIII", RES_STRING_POOL_TYPE, header_size, size, len(self.strings), 0,
                           0, strings_start, 0)
        return head + struct.pack(f"<{len(offsets)}I", *offsets) + bytes(body)


def encode_axml(root: XmlNode) -> bytes:
    """Encode an element tree as Android's binary XML (what aapt2 puts in an APK)."""
    pool = _StringPool()
    # android: attribute names go first so the resource map can line up with their indexes.
    android_attrs: list[str] = []

    def collect(node: XmlNode) -> None:
        for name in node.attrs:
            if name.startswith("android:") and name[8:] not in android_attrs:
                android_attrs.append(name[8:])
        for child in node.children:
            collect(child)

    collect(root)
    unknown = [a for a in android_attrs if a not in _ATTR_IDS]
    if unknown:
        raise ValueError(f"unknown android: attributes {unknown}; use names from android.R.attr")
    for name in android_attrs:
        pool.add(name)
    prefix, uri = pool.add("android"), pool.add(ANDROID_NS)

    body = bytearray()
    line = 1

    def element(node: XmlNode) -> None:
        nonlocal line
        attrs = []
        for name, value in node.attrs.items():
            if name.startswith("android:"):
                ns, name_ix = uri, pool.add(name[8:])
            else:
                ns, name_ix = NO_INDEX, pool.add(name)
            if isinstance(value, bool):
                raw, kind, data = NO_INDEX, TYPE_INT_BOOLEAN, 0xFFFFFFFF if value else 0
            elif isinstance(value, int):
                raw, kind, data = NO_INDEX, TYPE_INT_DEC, value & 0xFFFFFFFF
            else:
                raw = data = pool.add(str(value))
                kind = TYPE_STRING
            attrs.append(struct.pack("<IIIHBBI", ns, name_ix, raw, 8, 0, kind, data))
        tag = pool.add(node.tag)
        ext = struct.pack("<IIHHHHHH", NO_INDEX, tag, 20, 20, len(attrs), 0, 0, 0)
        chunk = ext + b"".join(attrs)
        body.extend(struct.pack("<HHIII", RES_XML_START_ELEMENT_TYPE, 16, 16 + len(chunk), line, NO_INDEX))
        body.extend(chunk)
        line += 1
        for child in node.children:
            element(child)
        body.extend(struct.pack("<HHIIIII", RES_XML_END_ELEMENT_TYPE, 16, 24, line, NO_INDEX, NO_INDEX, tag))
        line += 1

    body.extend(struct.pack("<HHIIIII", RES_XML_START_NAMESPACE_TYPE, 16, 24, 0, NO_INDEX, prefix, uri))
    element(root)
    body.extend(struct.pack("<HHIIIII", RES_XML_END_NAMESPACE_TYPE, 16, 24, line, NO_INDEX, prefix, uri))

    ids = [_ATTR_IDS[name] for name in android_attrs]
    res_map = struct.pack(f"<HHI{len(ids)}I", RES_XML_RESOURCE_MAP_TYPE, 8, 8 + 4 * len(ids), *ids)
    content = pool.encode() + res_map + bytes(body)
    return struct.pack("<HHI", RES_XML_TYPE, 8, 8 + len(content)) + content


def build_apk(package: str, version_code: int = 1, version_name: str | None = "1.0", *,
              min_sdk: int = 24, target_sdk: int = 34, label: str | None = None,
              permissions: tuple[str, ...] | list[str] = (),
              activities: tuple[str, ...] | list[str] = (".MainActivity",),
              instrumentation: Instrumentation | None = None, payload_bytes: int = 0,
              split: str | None = None, debuggable: bool = False) -> bytes:
    """A minimal installable APK: a zip with a binary AndroidManifest.xml.

    The first activity is the launcher (MAIN/LAUNCHER). `payload_bytes` adds an incompressible
    asset so the APK has a realistic size for transfer tests. Not signed: the virtual phone does
    not verify signatures. `split` makes a split APK of that name (no activities of its own);
    `debuggable` marks the application debuggable (as a debug build is).
    """
    manifest_attrs: dict[str, str | int | bool] = {"android:versionCode": version_code, "package": package}
    if split:
        manifest_attrs["split"] = split
        activities = ()
    if version_name is not None:
        manifest_attrs["android:versionName"] = version_name
    children = [XmlNode("uses-sdk", {"android:minSdkVersion": min_sdk, "android:targetSdkVersion": target_sdk})]
    children += [XmlNode("uses-permission", {"android:name": p}) for p in permissions]
    if instrumentation is not None:
        children.append(XmlNode("instrumentation", {"android:name": instrumentation.name,
                                                    "android:targetPackage": instrumentation.target_package}))
    app_attrs: dict[str, str | int | bool] = {"android:label": label} if label else {}
    if debuggable:
        app_attrs["android:debuggable"] = True
    app = XmlNode("application", app_attrs)
    for i, activity in enumerate(activities):
        node = XmlNode("activity", {"android:name": activity, "android:exported": True})
        if i == 0:
            node.children.append(XmlNode("intent-filter", {}, [
                XmlNode("action", {"android:name": "android.intent.action.MAIN"}),
                XmlNode("category", {"android:name": "android.intent.category.LAUNCHER"}),
            ]))
        app.children.append(node)
    children.append(app)
    manifest = encode_axml(XmlNode("manifest", manifest_attrs, children))

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("AndroidManifest.xml", manifest)
        zf.writestr("classes.dex", b"dex\n035\0" + b"\0" * 104)  # a header-sized placeholder
        if payload_bytes:
            blob = random.Random(f"{package}:{version_code}").randbytes(payload_bytes)
            zf.writestr(zipfile.ZipInfo("assets/payload.bin"), blob, compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()
