"""The content-addressed store."""
import hashlib
import io
import os

import pytest

from capture.storage import Incoming, Store, TooLarge


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


def test_size_of_is_the_stored_size_and_none_for_anything_but_a_stored_file(tmp_path):
    store = Store(tmp_path)
    digest, size = store.save(io.BytesIO(b"x" * 1234))
    assert store.size_of(digest) == size == 1234 and store.exists(digest)
    assert store.size_of("ab" * 32) is None and not store.exists("ab" * 32)
    store.path("cd" * 32).mkdir(parents=True)  # a folder where a file should be
    assert store.size_of("cd" * 32) is None
    store.path("ef" * 32).parent.parent.write_bytes(b"")  # a file where a folder should be
    assert store.size_of("ef" * 32) is None


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


def test_upload_is_received_straight_into_the_store(app):
    """A multipart upload is hashed while it arrives and stored by a rename, not a second copy."""
    from flask import request
    store = app.extensions["store"]
    seen = {}

    @app.post("/_probe-upload")
    def probe():
        request.max_content_length = 1024 * 1024  # as for a user who may upload
        upload = request.files["file"]
        seen["incoming"] = isinstance(upload.stream, Incoming)
        seen["head"] = upload.stream.read(4)
        upload.stream.seek(0)
        seen["saved"] = store.save(upload.stream)
        return "ok"

    data = b"%PDF" + os.urandom(300_000)
    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/_probe-upload", data={"file": (io.BytesIO(data), "通知.pdf")})
    assert response.status_code == 200
    assert seen["incoming"] and seen["head"] == b"%PDF"
    assert seen["saved"] == (hashlib.sha256(data).hexdigest(), len(data))
    assert store.path(seen["saved"][0]).read_bytes() == data
    assert list(store.tmp.iterdir()) == []


def test_uncommitted_upload_leaves_no_temp_file(app):
    from flask import request
    store = app.extensions["store"]

    @app.post("/_probe-refuse")
    def refuse():
        request.files["file"]  # parsed, then refused without being stored
        return "refused", 422

    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/_probe-refuse", data={"file": (io.BytesIO(b"x" * 1000), "a.exe")})
    assert response.status_code == 422
    assert list(store.tmp.iterdir()) == [] and store.all_digests() == []
