"""Write a BagIt 1.0 bag (RFC 8493): files hashed as they are copied, renamed into place when complete."""
import datetime as dt
import hashlib
import os
import re
import shutil
import stat
import tempfile
import threading
import unicodedata
import zipfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from .durable import fsync_dir, fsync_tree

CHUNK = 1024 * 1024
# Hashing and file I/O release the GIL: two copies at once keep two cores busy.
COPY_THREADS = 2
PROGRESS_EVERY = 0.25  # seconds between progress reports while the files copy
BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
# SHA-256 for every BagIt tool (RFC 8493 §2.4 makes it a MUST to support); SM3 (GB/T 32905-2016)
# because Chinese archives ask for the national algorithm. A validator that does not know sm3
# skips its manifests, so the bag stays valid everywhere.
ALGORITHMS = ("sha256", "sm3")
PARTIAL = ".partial-"
# Characters Windows, zip tools or our own items.csv lists ("|") cannot carry in a name.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|%;]')
# Formats that are compressed already; storing them keeps the zip fast and streaming.
_STORED_UNDER = "data/files/"


class DigestMismatch(Exception):
    """A file's bytes no longer hash to the digest registered for it."""

    def __init__(self, label, bag_path, expected, found):
        super().__init__(f"{label}: {bag_path} hashes to {found}, registered {expected}")
        self.label, self.bag_path, self.expected, self.found = label, bag_path, expected, found


@dataclass
class BagResult:
    """Where the finished package is and what pins it."""
    path: Path
    sha256: str          # of the zip, or of tagmanifest-sha256.txt for a folder
    size: int            # bytes of the zip, or of every file in the folder
    payload_bytes: int
    payload_files: int
    sm3: str = ""        # SM3 (GB/T 32905) of the zip, or of tagmanifest-sm3.txt for a folder


def safe_name(original, limit=80):
    """A short, portable file name: NFC, no control or reserved characters, extension kept."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", original)).strip(" .") or "file"
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10:
        stem, ext = name, ""
    room = limit - (len(ext) + 1 if ext else 0)
    stem = stem[:room].strip(" .") or "file"
    return f"{stem}.{ext}" if ext else stem


def encode_path(path):
    """A manifest path with %, CR and LF percent-encoded as RFC 8493 asks."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def human_size(size):
    """Bag-Size: bytes in the largest unit that keeps the number at or above one."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def remove_partials(target_dir, name, alive=lambda pid: False):
    """Remove half-built copies of package `name` left by writers that are no longer alive."""
    removed = 0
    for leftover in Path(target_dir).glob(f".{name}*{PARTIAL}*"):
        pid = leftover.name.rsplit(PARTIAL, 1)[1].split("-", 1)[0]
        if pid.isdigit() and alive(int(pid)):
            continue
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        removed += 1
    return removed


class BagBuilder:
    """Builds a bag in a hidden temporary folder beside the target; finish() puts it in place."""

    def __init__(self, target_dir, name):
        self.target_dir = Path(target_dir)
        self.name = name
        self.target_dir.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(dir=self.target_dir, prefix=f".{name}{PARTIAL}{os.getpid()}-"))
        (self.root / "data").mkdir()
        self.digests = {}    # bag path → sha256, payload files only
        self.sm3 = {}        # bag path → sm3, the same files
        self.generated = []  # bag paths written by other exporters, hashed at finish
        self.payload_bytes = 0

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.discard()
        return False

    def _target(self, bag_path, make_folder=True):
        if not bag_path.startswith("data/") or ".." in Path(bag_path).parts:
            raise ValueError(f"payload path outside data/: {bag_path}")
        path = self.root / bag_path
        if make_folder:
            path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def copy(self, source, bag_path, expected_sha256, label, on_bytes=None):
        """Copy `source` into the bag, hashing in the same pass; DigestMismatch names `label`."""
        self.copy_all([(source, bag_path, expected_sha256, label, 0)], on_bytes)
        return self.digests[bag_path]

    def copy_all(self, jobs, on_bytes=None, meanwhile=None):
        """copy() each (source, bag path, expected sha256, label, size) on COPY_THREADS threads,
        largest first; return what meanwhile() returns.

        meanwhile(), if given, runs on this thread while they copy (writing the catalogue and
        forms is Python work; copying is mostly hashing and I/O, which leave the GIL free);
        on_bytes(n) is called from this thread with the bytes copied since its last call.
        """
        # Largest first: a big file needs the GIL once a megabyte, so it copies at full speed
        # while meanwhile() holds the GIL, where a small one would wait for it at every call; and
        # the two threads end together instead of one copying the last big file alone.
        todo = deque((source, self._target(bag_path, make_folder=False), bag_path, sha, label)
                     for source, bag_path, sha, label, _size in sorted(jobs, key=lambda job: -job[4]))
        done, failed = [], []  # (bag path, sha256, sm3, size) as copies end; the first error

        def work():
            # Each item has its own folder: the copying threads make them (thousands of mkdir
            # calls, which leave the GIL free too).
            while not failed:
                try:
                    source, target, bag_path, expected, label = todo.popleft()
                except IndexError:
                    return
                try:
                    found, sm3, size = _copy_file(source, target)
                    if found != expected:
                        raise DigestMismatch(label, bag_path, expected, found)
                except BaseException as exc:
                    failed.append(exc)
                    return
                done.append((bag_path, found, sm3, size))

        threads = [threading.Thread(target=work, name=f"bag-copy-{n}") for n in range(COPY_THREADS)]
        for thread in threads:
            thread.start()
        try:
            result = meanwhile() if meanwhile else None
            counted = 0
            while not failed and any(thread.is_alive() for thread in threads):
                next(t for t in threads if t.is_alive()).join(PROGRESS_EVERY)
                counted = self._count(done, counted, on_bytes)
        except BaseException:
            failed.append(None)  # stops the copying threads after the file each is on
            raise
        finally:
            for thread in threads:
                thread.join()
        if failed:
            raise failed[0]
        self._count(done, counted, on_bytes)
        return result

    def _count(self, done, counted, on_bytes):
        """Take the copies that ended since `counted` into the manifest; return how many there are."""
        end = len(done)
        if end > counted:
            new = done[counted:end]
            for bag_path, found, sm3, _size in new:
                self.digests[bag_path], self.sm3[bag_path] = found, sm3
            size = sum(size for *_rest, size in new)
            self.payload_bytes += size
            if on_bytes:
                on_bytes(size)
        return end

    def path_for(self, bag_path):
        """A path inside the bag for a writer to fill; it is hashed into the manifest at finish()."""
        self.generated.append(bag_path)
        return self._target(bag_path)

    def finish(self, info, zip_package=False, on_bytes=None):
        """Write the manifests and tag files, then move the bag (or its zip) into place."""
        for bag_path in self.generated:
            self.digests[bag_path], self.sm3[bag_path] = _file_digests(self.root / bag_path)
            self.payload_bytes += (self.root / bag_path).stat().st_size
        _write_manifest(self.root / "manifest-sha256.txt", self.digests)
        _write_manifest(self.root / "manifest-sm3.txt", self.sm3)
        (self.root / "bagit.txt").write_text(BAGIT_TXT, encoding="utf-8")
        fields = dict(info)
        fields.setdefault("Bagging-Date", dt.date.today().isoformat())
        fields["Payload-Oxum"] = f"{self.payload_bytes}.{len(self.digests)}"
        fields["Bag-Size"] = human_size(self.payload_bytes)
        (self.root / "bag-info.txt").write_text(_tag_text(fields), encoding="utf-8")
        # RFC 8493 §2.2.1: each tag manifest lists every payload manifest and the other tag files.
        tags = {name: _file_digests(self.root / name)
                for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sm3.txt")}
        for n, algorithm in enumerate(ALGORITHMS):
            _write_manifest(self.root / f"tagmanifest-{algorithm}.txt",
                            {name: digests[n] for name, digests in tags.items()})
        if zip_package:
            return self._place_zip(on_bytes)
        tag_bytes = sum((self.root / name).stat().st_size
                        for name in (*tags, *(f"tagmanifest-{a}.txt" for a in ALGORITHMS)))
        return self._place_folder(self.payload_bytes + tag_bytes)

    def _place_folder(self, size):
        final = self.target_dir / self.name
        if final.exists():
            raise FileExistsError(final)
        readable(self.root)
        fsync_tree(self.root)
        os.rename(self.root, final)
        fsync_dir(self.target_dir)
        return BagResult(final, _file_sha256(final / "tagmanifest-sha256.txt"), size,
                         self.payload_bytes, len(self.digests),
                         _file_digests(final / "tagmanifest-sm3.txt")[1])

    def _place_zip(self, on_bytes):
        final = self.target_dir / f"{self.name}.zip"
        if final.exists():
            raise FileExistsError(final)
        partial = self.root.with_name(self.root.name + ".zip")
        sha256, sm3, size = zip_tree(self.root, partial, self.name, on_bytes)
        os.replace(partial, final)
        fsync_dir(self.target_dir)
        shutil.rmtree(self.root)
        return BagResult(final, sha256, size, self.payload_bytes, len(self.digests), sm3)

    def discard(self):
        """Remove everything built so far."""
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.with_name(self.root.name + ".zip").unlink(missing_ok=True)


def readable(root):
    """Folders 0755 and files 0644, whatever the umask: the archive's ingest account, not the
    one that wrote the package, has to read it (mkdtemp makes its folder 0700)."""
    os.chmod(root, 0o755)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)


def zip_tree(root, target, name, on_bytes=None):
    """Zip every file under `root` into `target` below a top folder `name`; (sha256, sm3, size)."""
    digest, sm3 = hashlib.sha256(), hashlib.new("sm3")
    with open(target, "wb") as raw:
        with zipfile.ZipFile(_HashingWriter(raw, digest, sm3), "w") as archive:
            for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
                _add_to_zip(archive, path, f"{name}/{path.relative_to(root).as_posix()}", on_bytes)
        raw.flush()
        os.fsync(raw.fileno())
        size = raw.tell()
    os.chmod(target, 0o644)
    return digest.hexdigest(), sm3.hexdigest(), size


def rewrite(source, target_dir, name, zip_package):
    """Write the bag at `source` (a folder or our zip) again in the other form in `target_dir`,
    every file byte for byte the same; built beside the target and renamed when complete."""
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    final = target_dir / (f"{name}.zip" if zip_package else name)
    if final.exists():
        raise FileExistsError(final)
    partial = Path(tempfile.mkdtemp(dir=target_dir, prefix=f".{name}{PARTIAL}{os.getpid()}-"))
    try:
        if zip_package:
            sha256, sm3, size = zip_tree(source, partial / "package.zip", name)
            os.replace(partial / "package.zip", final)
            shutil.rmtree(partial)
        else:
            size = _unzip(source, partial, name)
            readable(partial)
            fsync_tree(partial)
            os.rename(partial, final)
            sha256 = _file_sha256(final / "tagmanifest-sha256.txt")
            sm3 = _file_digests(final / "tagmanifest-sm3.txt")[1]
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    fsync_dir(target_dir)
    payload = [p for p in (final / "data").rglob("*") if p.is_file()] if not zip_package else []
    return BagResult(final, sha256, size, sum(p.stat().st_size for p in payload), len(payload), sm3)


def _unzip(source, dest, name):
    """Extract our own zip (one top folder `name`) into `dest`; the bytes written."""
    written = 0
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            inner = info.filename.removeprefix(f"{name}/")
            if inner == info.filename or ".." in inner.split("/") or inner.startswith("/"):
                raise ValueError(f"not a member of {name}/: {info.filename!r}")
            if info.is_dir():
                continue
            target = dest / inner
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(target, "xb") as out:
                shutil.copyfileobj(src, out, CHUNK)
            written += info.file_size
    return written


def _copy_file(source, target):
    """Copy source to a new file, hashing in the same pass; return (sha256, sm3, size)."""
    digest, sm3, size = hashlib.sha256(), hashlib.new("sm3"), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(target, "xb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            sm3.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), sm3.hexdigest(), size


class _HashingWriter:
    """A write-only file that hashes what passes through; zipfile streams into it."""

    def __init__(self, raw, *digests):
        self.raw, self.digests = raw, digests

    def write(self, data):
        for digest in self.digests:
            digest.update(data)
        return self.raw.write(data)

    def tell(self):
        return self.raw.tell()

    def flush(self):
        self.raw.flush()

    def seekable(self):
        return False


def _add_to_zip(archive, path, arcname, on_bytes):
    info = zipfile.ZipInfo(arcname, date_time=_zip_time(path))
    info.external_attr = (stat.S_IFREG | 0o644) << 16  # a regular file, readable by all
    stored = _STORED_UNDER in arcname
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.file_size = path.stat().st_size  # lets zipfile choose ZIP64 up front for big files
    with open(path, "rb") as src, archive.open(info, "w") as out:
        while chunk := src.read(CHUNK):
            out.write(chunk)
            if on_bytes:
                on_bytes(len(chunk))


def _zip_time(path):
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime)
    return max(stamp, dt.datetime(1980, 1, 1)).timetuple()[:6]


def _tag_text(fields):
    lines = []
    for key, value in fields.items():
        for one in value if isinstance(value, (list, tuple)) else [value]:
            text = " ".join(str(one).split())  # one line per tag: no folding to trip readers
            lines.append(f"{key}: {text}")
    return "\n".join(lines) + "\n"


def _write_manifest(path, digests):
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for bag_path in sorted(digests):
            out.write(f"{digests[bag_path]}  {encode_path(bag_path)}\n")


def _file_digests(path):
    """(sha256, sm3) of a file, read once."""
    digests = [hashlib.new(a) for a in ALGORITHMS]
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            for digest in digests:
                digest.update(chunk)
    return tuple(d.hexdigest() for d in digests)


def _file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
