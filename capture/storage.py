"""Content-addressed file store: streamed, hashed while writing, renamed atomically."""
import errno
import fcntl
import hashlib
import os
import queue
import shutil
import stat
import tempfile
import threading
import time
from pathlib import Path

from exporters.durable import fsync_dir

CHUNK = 1024 * 1024
# An upload's pages go to disk every this many bytes while it is received, so that the fsync at
# its end waits for the last stretch only.
WRITEBACK_BYTES = 32 * 1024 * 1024
# Keep this much free after an upload so the database and logs can still write.
RESERVE_BYTES = 64 * 1024 * 1024
# An upload being received looks at the disk's free space every this many bytes: one sent without
# a length (chunked) cannot be checked before it starts, and others may be filling the disk too.
ROOM_CHECK_BYTES = 8 * 1024 * 1024
ENOSPC_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


class StoreError(Exception):
    """A file could not be stored; views turn the subclass into a message for the user."""


class TooLarge(StoreError):
    pass


class DiskFull(StoreError):
    pass


class Store:
    """Files kept under `root/ab/cd/<sha256>`; temporary files under `root/tmp`."""

    def __init__(self, root, reserve_bytes=RESERVE_BYTES):
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.reserve_bytes = reserve_bytes

    def path(self, sha256):
        """Where the file with this digest lives."""
        return self.root.joinpath(sha256[:2], sha256[2:4], sha256)

    def exists(self, sha256):
        """True when the store holds this content."""
        return self.size_of(sha256) is not None

    def size_of(self, sha256):
        """The stored file's size in bytes, or None when the store does not hold it."""
        try:
            info = os.stat(self.path(sha256))
        except (FileNotFoundError, NotADirectoryError):
            return None
        return info.st_size if stat.S_ISREG(info.st_mode) else None

    def check_room(self, expected_bytes):
        """Refuse early when the disk cannot hold `expected_bytes` more."""
        free = shutil.disk_usage(self.root).free
        if free - (expected_bytes or 0) < self.reserve_bytes:
            raise DiskFull(f"only {free} bytes free for {expected_bytes}")

    def incoming(self):
        """A temporary file in the store that hashes what is written to it (see Incoming)."""
        return Incoming(self)

    def save(self, stream, max_bytes=None, expected_bytes=None):
        """Copy a binary stream into the store; return (sha256, size). Never buffers it whole."""
        if isinstance(stream, Incoming) and stream.store is self:
            return stream.commit(max_bytes)
        self.check_room(expected_bytes)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = locked_tempfile(self.tmp)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(f"larger than {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
                sha = digest.hexdigest()
                # Renamed while still locked, so clean_tmp() cannot take it half-way.
                self._place(tmp_name, sha)
            return sha, size
        except OSError as exc:
            _discard(tmp_name)
            if exc.errno in ENOSPC_ERRNOS:
                raise DiskFull("the disk filled up while writing") from exc
            raise
        except BaseException:
            _discard(tmp_name)
            raise

    def _place(self, tmp_name, sha):
        target = self.path(sha)
        if target.exists():
            os.unlink(tmp_name)  # same content is stored once
            # Stored again just now: its age starts again, so that no sweep of old files that no
            # document holds (fixity.remove_orphans) takes it before its File row is written.
            os.utime(target)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp_name, 0o440)
        os.replace(tmp_name, target)
        fsync_dir(target.parent)

    def open(self, sha256):
        """Open a stored file for reading."""
        return open(self.path(sha256), "rb")

    def hash_of(self, sha256):
        """Re-hash the stored file; None when it is missing."""
        try:
            with self.open(sha256) as f:
                return hashlib.file_digest(f, "sha256").hexdigest()
        except FileNotFoundError:
            return None

    def verify(self, sha256):
        """True when the stored file still hashes to its name."""
        return self.hash_of(sha256) == sha256

    def clean_tmp(self):
        """Remove temporary files left by a crashed writer; return how many were removed."""
        removed = 0
        for leftover in self.tmp.iterdir():
            try:
                fd = os.open(leftover, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another process is still writing it
            else:
                _discard(leftover)
                removed += 1
            finally:
                os.close(fd)
        return removed

    def age_of(self, sha256, now=None):
        """Seconds since the stored file was last written or stored again; None when missing."""
        try:
            return (now or time.time()) - os.stat(self.path(sha256)).st_mtime
        except FileNotFoundError:
            return None

    def remove(self, sha256):
        """Remove a stored file (only ever one that no document holds: see fixity.remove_orphans)."""
        _discard(self.path(sha256))

    def all_digests(self):
        """Every digest held by the store, sorted."""
        return sorted(p.name for p in self.root.glob("??/??/*") if len(p.name) == 64)


class Incoming:
    """An upload being received: written once, into the store's own tmp folder, hashed as it
    arrives, so that storing it is a rename instead of a second copy of the whole file."""

    def __init__(self, store):
        self.store = store
        fd, self.name = locked_tempfile(store.tmp)
        self.file = os.fdopen(fd, "w+b")
        self.digest = BackgroundDigest()
        self.size = 0
        self.written_back = 0
        self.room_checked = 0
        self.committed = None

    def write(self, data):
        """Append received bytes (the request parser calls this chunk by chunk)."""
        self.digest.update(bytes(data))  # hashed later on another thread: never a buffer reused
        self.size += len(data)
        if self.size - self.room_checked >= ROOM_CHECK_BYTES:
            self._check_room()
        try:
            written = self.file.write(data)
            if self.size - self.written_back >= WRITEBACK_BYTES:
                self._start_writeback()
            return written
        except OSError as exc:
            self._give_up(exc)

    def _check_room(self):
        """Stop receiving (DiskFull) once the disk's reserve is reached, however the upload is sent."""
        self.room_checked = self.size
        if shutil.disk_usage(self.store.root).free < self.store.reserve_bytes:
            self.close()
            raise DiskFull("the disk's reserve was reached while receiving an upload")

    def _start_writeback(self):
        # POSIX_FADV_DONTNEED starts writing the dirty pages of the range and returns at once
        # (pages still being written stay cached).
        self.file.flush()
        os.posix_fadvise(self.file.fileno(), self.written_back, self.size - self.written_back,
                         os.POSIX_FADV_DONTNEED)
        self.written_back = self.size

    def read(self, size=-1):
        return self.file.read(size)

    def seek(self, offset, whence=0):
        return self.file.seek(offset, whence)

    def tell(self):
        return self.file.tell()

    def seekable(self):
        return True

    def readable(self):
        return True

    def writable(self):
        return True

    def flush(self):
        self.file.flush()

    def commit(self, max_bytes=None):
        """Move the received file into the store; return (sha256, size)."""
        if self.committed:
            return self.committed
        if max_bytes is not None and self.size > max_bytes:
            self.digest.close()
            raise TooLarge(f"larger than {max_bytes} bytes")
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            sha = self.digest.hexdigest()
            self.store._place(self.name, sha)
        except OSError as exc:
            self._give_up(exc)
        self.committed = (sha, self.size)
        return self.committed

    def _give_up(self, exc):
        """The disk filled up: free what this upload took at once, and say so (DiskFull)."""
        if exc.errno not in ENOSPC_ERRNOS:
            raise exc
        self.close()
        raise DiskFull("the disk filled up while receiving an upload") from exc

    def close(self):
        """Close; an upload that was never committed is removed."""
        self.digest.close()
        if not self.committed:
            _discard(self.name)  # while still locked, so no starting worker counts it as a leftover
        if not self.file.closed:
            try:
                self.file.close()
            except OSError:
                pass  # unflushed bytes of a discarded upload that did not fit

    def __del__(self):
        # The request parser drops an upload it was writing when the client goes away; nothing
        # else closes it then, and its hashing thread would wait for more forever.
        if hasattr(self, "file"):
            self.close()


class BackgroundDigest:
    """SHA-256 computed on a second thread, so that hashing an upload overlaps receiving and
    writing it instead of adding to it (hashlib lets go of the GIL while it hashes)."""

    def __init__(self):
        self._digest = hashlib.sha256()
        self._pieces = queue.Queue(maxsize=8)  # at most a few MiB waiting
        self._thread = None

    def update(self, data):
        """Hash `data` (bytes, not to be changed afterwards) after what came before."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="upload-digest", daemon=True)
            self._thread.start()
        self._pieces.put(data)

    def _run(self):
        while (data := self._pieces.get()) is not None:
            self._digest.update(data)

    def close(self):
        """Wait until everything given is hashed."""
        if self._thread is not None:
            self._pieces.put(None)
            self._thread.join()
            self._thread = None

    def hexdigest(self):
        """The digest of everything given so far."""
        self.close()
        return self._digest.hexdigest()


def locked_tempfile(folder):
    """A new temporary file in `folder`, locked: (fd, name).

    The lock tells clean_tmp() the file is live. Between creating the file and locking it, a
    worker starting up may take it for a crash's leftover and remove it; so once locked, the
    name must still lead to our file, else we start again.
    """
    while True:
        fd, name = tempfile.mkstemp(dir=folder, prefix="upload-")
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(name).st_ino == os.fstat(fd).st_ino:
                return fd, name
        except FileNotFoundError:
            pass
        os.close(fd)


def _discard(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
