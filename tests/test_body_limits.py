"""A request body is read only when its sender may send one that large: anonymous requests get a
form's worth, uploads only someone who may upload; an upload sent without a length (chunked)
stops at the disk's reserve as it arrives."""
import io
import os
import shutil
from collections import namedtuple

from capture.models import Document, File
from capture.uploads import ANONYMOUS_BODY_BYTES, FORM_BODY_BYTES
from conftest import csrf_token
from test_documents import form

MIB = 1024 * 1024
BOUNDARY = "b0undary"


class Sent(io.BytesIO):
    """A request body that counts what the server reads of it."""

    read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        self.read_bytes += len(data)
        return data

    def readinto(self, buffer):
        n = super().readinto(buffer)
        self.read_bytes += n
        return n


def multipart(fields, file_bytes):
    """A multipart/form-data body with text fields and one file in `files`."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="video.mp4"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + file_bytes + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post(client, url, body, chunked=False):
    """POST a multipart body; (response, what the server read of it)."""
    sent = Sent(body)
    extra = ({"environ_overrides": {"wsgi.input_terminated": True},
              "headers": {"Transfer-Encoding": "chunked"}} if chunked else {"content_length": len(body)})
    response = client.post(url, input_stream=sent, content_type=f"multipart/form-data; boundary={BOUNDARY}",
                           **extra)
    return response, sent.read_bytes


def stored_nothing(app):
    return not list(app.extensions["store"].tmp.iterdir()) and not app.extensions["store"].all_digests()


def test_a_large_anonymous_post_is_refused_before_a_byte_of_it_is_read(app, client):
    response, read = post(client, "/login", multipart({"username": "x", "password": "y"}, os.urandom(4 * MIB)))
    assert response.status_code == 413
    assert read == 0
    assert "KB" in response.get_data(as_text=True)
    assert stored_nothing(app)


def test_a_chunked_anonymous_post_is_cut_off_at_the_form_limit(app, client):
    response, read = post(client, "/login", multipart({"username": "x"}, os.urandom(4 * MIB)), chunked=True)
    assert response.status_code == 413
    assert read <= ANONYMOUS_BODY_BYTES + 64 * 1024
    assert stored_nothing(app)


def test_a_viewer_cannot_send_an_upload_sized_body(app, client, auth, world):
    auth.login("viewer")
    url = f"/bodies/{world['a'].id}/documents/new"
    response, read = post(client, url, multipart({}, os.urandom(FORM_BODY_BYTES + 1)))
    assert response.status_code == 413
    assert read == 0
    assert stored_nothing(app)


def test_a_secretary_sends_the_same_body_as_an_upload(app, client, auth, world):
    auth.login("secretary")
    url = f"/bodies/{world['a'].id}/documents/new"
    fields = dict(form(carrier="audio-video"), csrf_token=csrf_token(client.get(url)))
    response, read = post(client, url, multipart(fields, os.urandom(FORM_BODY_BYTES + 1)))
    assert response.status_code == 302
    assert File.get().size == FORM_BODY_BYTES + 1


def test_a_chunked_upload_stops_at_the_disk_reserve_as_it_arrives(app, client, auth, world, monkeypatch):
    store = app.extensions["store"]
    store.reserve_bytes = 90 * MIB
    usage = namedtuple("usage", "total used free")
    # A disk with 100 MiB free before the upload, less what the upload has written so far.
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(
        1, 1, 100 * MIB - sum(p.stat().st_size for p in store.tmp.iterdir())))
    auth.login("secretary")
    url = f"/bodies/{world['a'].id}/documents/new"
    fields = dict(form(carrier="audio-video"), csrf_token=csrf_token(client.get(url)))
    response, read = post(client, url, multipart(fields, os.urandom(40 * MIB)), chunked=True)
    assert response.status_code == 507
    assert Document.select().count() == 0
    assert stored_nothing(app)
