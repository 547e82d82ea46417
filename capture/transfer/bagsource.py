"""Read a received bag where it lies, a folder or a zip, without unpacking anything to disk.

A zip's members are hashed from the zip itself, within caps on members and total size; a
member is read a chunk at a time and never past the size it declares, so a zip bomb costs time
bounded by those caps, never memory or disk. Links, devices and paths leaving the bag are listed,
never followed.
"""
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

JUNK_NAMES = {"thumbs.db", "ehthumbs.db", "desktop.ini", ".ds_store", ".spotlight-v100", ".trashes",
              ".fseventsd", "icon\r"}
JUNK_DIRS = {"__macosx"}


def N_(text):
    """Mark a message for extraction; it is translated where it is shown."""
    return text


@dataclass
class Limits:
    """What a zip may hold before it is refused unread (a zip bomb costs nothing to send).

    There is no cap on a member's compression ratio: a correctly listed file of zeros compresses
    a thousandfold and is still a valid payload file; only members a manifest lists are read.
    """
    members: int = 200_000
    total_bytes: int = 1024 ** 4          # 1 TiB uncompressed


class Unreadable(Exception):
    """The package cannot be read at all; msgid and params say why."""

    def __init__(self, msgid, **params):
        super().__init__(msgid % params)
        self.msgid, self.params = msgid, params


def is_junk(path):
    """True for files an operating system leaves behind (Thumbs.db, .DS_Store, AppleDouble …)."""
    parts = PurePosixPath(path).parts
    name = parts[-1].lower() if parts else ""
    return name in JUNK_NAMES or name.startswith("._") or any(p.lower() in JUNK_DIRS for p in parts)


def unsafe(path):
    """Why a path from a package would leave it (a msgid), or "" when it stays inside.

    RFC 8493 §5.1: implementers MUST ensure that files outside the bag are not accessed; "/",
    "..", "~user" and drive letters are the examples it names.
    """
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        return N_("是绝对路径")
    if path.startswith("~"):
        return N_("以 ~ 开头（指向用户目录）")
    if ".." in re.split(r"[/\\]", path):
        return N_("含有 ../（指向包外）")
    return ""


@dataclass
class Entry:
    """One regular file of the bag: its path inside the bag and its size."""
    name: str
    size: int


class FolderSource:
    """A bag folder, walked without following links."""

    def __init__(self, root):
        self.root = Path(root)
        self.files, self.refused, self.dirs = {}, [], {""}
        self.outside = []  # (name, why): nothing lies outside a folder's bag
        self._walk("")

    def _walk(self, prefix):
        with os.scandir(self.root / prefix if prefix else self.root) as found:
            for entry in found:
                name = f"{prefix}{entry.name}"
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISLNK(mode):
                    self.refused.append((name, N_("是符号链接")))
                elif stat.S_ISDIR(mode):
                    self.dirs.add(name)
                    self._walk(name + "/")
                elif stat.S_ISREG(mode):
                    self.files[name] = Entry(name, entry.stat(follow_symlinks=False).st_size)
                else:
                    self.refused.append((name, N_("是设备、管道或套接字文件")))

    def open(self, name):
        """The bytes of a regular file listed in self.files."""
        return open(self.root / self.files[name].name, "rb")

    def close(self):
        """Nothing to release."""


class ZipSource:
    """A zipped bag: its bag folder is the zip's root or its only top folder."""

    def __init__(self, path, limits=None):
        limits = limits or Limits()
        try:
            self.archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise Unreadable(N_("压缩包不完整或已损坏（找不到它的目录，可能没有传完），无法读取"))
        except (OSError, EOFError) as exc:
            raise Unreadable(N_("无法读取压缩包：%(error)s"), error=exc.__class__.__name__)
        try:
            self._check_caps(path, limits)
        except Unreadable:
            self.archive.close()
            raise
        self.files, self.refused, self.dirs, self.outside = {}, [], {""}, []
        self.infos = {}
        self.prefix = self._bag_prefix()
        for info in self.archive.infolist():
            self._take(info)

    def _check_caps(self, path, limits):
        infos = self.archive.infolist()
        if len(infos) > limits.members:
            raise Unreadable(N_("压缩包有 %(count)s 个条目，超过上限 %(limit)s，未读取"),
                             count=len(infos), limit=limits.members)
        total = sum(i.file_size for i in infos)
        if total > limits.total_bytes:
            raise Unreadable(N_("压缩包解压后共 %(size)s 字节，超过上限 %(limit)s 字节，未读取"),
                             size=total, limit=limits.total_bytes)

    def _bag_prefix(self):
        names = [i.filename for i in self.archive.infolist()]
        if "bagit.txt" in names:
            return ""
        tops = {n.split("/", 1)[0] for n in names if "/" in n and not is_junk(n)}
        if len(tops) == 1:
            return tops.pop() + "/"
        return ""

    def _take(self, info):
        raw = info.filename
        why = unsafe(raw)
        if why:
            self.refused.append((raw, why))
            return
        if not raw.startswith(self.prefix):
            self.outside.append(raw)
            return
        name = raw[len(self.prefix):]
        if not name:
            return
        # The file type in the high bits of external_attr (Unix zips); many writers leave it 0.
        kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
        if kind == stat.S_IFLNK:
            self.refused.append((name, N_("是符号链接")))
        elif info.is_dir() or kind == stat.S_IFDIR:
            self.dirs.add(name.rstrip("/"))
        elif kind not in (0, stat.S_IFREG):
            self.refused.append((name, N_("是设备、管道或套接字文件")))
        elif info.flag_bits & 0x1:
            self.refused.append((name, N_("已加密，无法读取")))
        elif name in self.files:
            self.refused.append((name, N_("在压缩包中出现了不止一次")))
        else:
            self.files[name] = Entry(name, info.file_size)
            self.infos[name] = info
            parts = name.split("/")[:-1]
            self.dirs.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))

    def open(self, name):
        """A stream of a member's bytes, read from the zip; the CRC is checked at its end."""
        return self.archive.open(self.infos[name])

    def close(self):
        """Close the zip."""
        self.archive.close()


def open_source(path, limits=None):
    """The FolderSource or ZipSource for `path`; Unreadable when a zip cannot be read."""
    path = Path(path)
    return ZipSource(path, limits) if path.is_file() else FolderSource(path)
