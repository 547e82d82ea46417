"""Temporary upload files: a worker starting up never takes a live upload for a crash's leftover."""
import errno
import fcntl

import pytest

from capture import storage

pytestmark = pytest.mark.reliability


def test_an_upload_created_while_another_worker_cleans_tmp_survives(tmp_path, monkeypatch):
    store = storage.Store(tmp_path / "store")
    real_flock, raced = fcntl.flock, []

    def flock_after_a_cleanup(fd, operation):
        # The worst moment: the file exists but is not locked yet when a worker starts up.
        if operation == fcntl.LOCK_EX and not raced:
            raced.append(store.clean_tmp())
        return real_flock(fd, operation)
    monkeypatch.setattr(storage.fcntl, "flock", flock_after_a_cleanup)

    upload = store.incoming()
    upload.write(b"minutes of the first meeting")
    assert raced == [1]  # the cleanup did remove the first, unlocked file
    sha, size = upload.commit()
    upload.close()
    assert store.verify(sha) and size == 28
    assert not list(store.tmp.iterdir())


def test_the_next_start_removes_what_a_crashed_upload_left(tmp_path):
    store = storage.Store(tmp_path / "store")
    live = store.incoming()
    live.write(b"still arriving")
    (store.tmp / "upload-crashed").write_bytes(b"half an upload")  # its writer was killed
    assert store.clean_tmp() == 1
    assert [p.name for p in store.tmp.iterdir()] == [live.name.rsplit("/", 1)[1]]
    live.close()
    assert not list(store.tmp.iterdir())


def test_an_upload_that_fills_the_disk_raises_disk_full_and_frees_its_space(tmp_path, monkeypatch):
    store = storage.Store(tmp_path / "store")
    upload = store.incoming()

    def no_space_left(data):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(upload.file, "write", no_space_left)
    with pytest.raises(storage.DiskFull):
        upload.write(b"x" * 1000)
    assert not list(store.tmp.iterdir())
