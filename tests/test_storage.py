"""The content-addressed store."""
import hashlib
import io
import os

import pytest

from capture.storage import Store, TooLarge


class Exploding(io.BytesIO):
    """A stream that fails half-way, like a dropped connection."""
    def read(self, n=-1):
        if self.tell() > 0:
            raise ConnectionError("client went away")
        return super().read(1024)


def test_two_equal_uploads_are_stored_once(tmp_path):
    store = Store(tmp_path)
    data = "疫情防控通知".encode() * 1000
    first = store.save(io.BytesIO(data))
    second = store.save(io.BytesIO(data))
    assert first == second == (hashlib.sha256(data).hexdigest(), len(data))
    assert store.all_digests() == [first[0]]
    assert store.path(first[0]).read_bytes() == data


def test_interrupted_write_leaves_nothing_in_place(tmp_path):
    store = Store(tmp_path)
    with pytest.raises(ConnectionError):
        store.save(Exploding(b"x" * 5000))
    assert store.all_digests() == []
    assert list(store.tmp.iterdir()) == []


def test_size_limit_is_enforced_while_streaming(tmp_path):
    store = Store(tmp_path)
    with pytest.raises(TooLarge):
        store.save(io.BytesIO(b"x" * 3000), max_bytes=2000)
    assert store.all_digests() == []


def test_verify_finds_a_changed_byte(tmp_path):
    store = Store(tmp_path)
    sha, _ = store.save(io.BytesIO(b"original content"))
    assert store.verify(sha)
    path = store.path(sha)
    os.chmod(path, 0o640)
    path.write_bytes(b"Original content")
    assert not store.verify(sha)


def test_leftover_temp_files_are_cleaned_but_live_ones_kept(tmp_path):
    import fcntl
    store = Store(tmp_path)
    (store.tmp / "upload-dead").write_bytes(b"half")
    live = open(store.tmp / "upload-live", "wb")
    fcntl.flock(live.fileno(), fcntl.LOCK_EX)
    assert store.clean_tmp() == 1
    assert [p.name for p in store.tmp.iterdir()] == ["upload-live"]
    live.close()
