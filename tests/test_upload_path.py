"""The upload path: bodies parsed in large pieces, hashed on a second thread."""
import hashlib
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from capture import storage

def test_large_upload_is_hashed_and_written_back_while_it_arrives(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "WRITEBACK_BYTES", 256 * 1024)
    store = storage.Store(tmp_path)
    data = os.urandom(2 * 1024 * 1024 + 5)
    upload = store.incoming()
    for start in range(0, len(data), 64 * 1024):
        upload.write(data[start:start + 64 * 1024])
    assert upload.written_back >= 2 * 1024 * 1024 - 256 * 1024
    sha, size = upload.commit()
    upload.close()
    assert (sha, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert store.path(sha).read_bytes() == data


@pytest.mark.parametrize("how", ["closed", "dropped"])
def test_abandoned_upload_stops_its_hashing_thread_and_leaves_no_file(tmp_path, how):
    store = storage.Store(tmp_path)
    upload = store.incoming()
    upload.write(b"x" * 100_000)
    if how == "closed":
        upload.close()
    else:  # as the request parser does when the client goes away mid-file
        del upload
    assert not [t for t in threading.enumerate() if t.name == "upload-digest"]
    assert list(store.tmp.iterdir()) == []


def test_requests_after_a_body_on_a_kept_alive_connection_are_read_from_the_right_place(tmp_path):
    """gunicorn's threaded worker keeps connections open: after a body, the next request on the
    connection must start exactly where that body ended."""
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, CAPTURE_DATA_DIR=str(tmp_path), CAPTURE_SECRET_KEY="test",
               CAPTURE_DATABASE_URL=f"sqlite:///{tmp_path / 'capture.db'}", CAPTURE_ENV="production")
    subprocess.run([sys.executable, "-m", "capture", "init"], env=env, cwd=root, check=True,
                   capture_output=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:capture.serving", "-w", "1",
                               "--threads", "2", "-b", f"127.0.0.1:{port}", "capture:create_app()"],
                              env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
                time.sleep(0.1)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/login")
        response = connection.getresponse()
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', response.read()).group(1).decode()
        cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        statuses = []
        for attempt in range(3):  # a valid CSRF token in each body, so each is refused only as a bad login
            fields = urlencode({"username": "nobody", "password": f"wrong {attempt}" * 50,
                                "csrf_token": token})
            connection.request("POST", "/login", body=fields, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        assert (statuses, response.status, response.read()) == ([401, 401, 401], 200, b"ok")
        connection.close()
    finally:
        server.kill()
        server.wait()


def multipart_environ(boundary, parts, file_bytes):
    """A WSGI environ posting one text field and one file, the body on a socket; (environ, sender)."""
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n{parts}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    body = head + file_bytes + f"\r\n--{boundary}--\r\n".encode()
    server, client = socket.socketpair()
    sender = threading.Thread(target=lambda: (client.sendall(body), client.close()))
    sender.start()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "SERVER_NAME": "x", "SERVER_PORT": "80",
               "wsgi.url_scheme": "http", "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
               "wsgi.input": server.makefile("rb")}
    return environ, sender


def test_werkzeug_copies_each_piece_it_is_given():
    """PieceReader hands Werkzeug's multipart decoder views of one reused buffer; that is safe
    only while receive_data copies what it is given. Fail here when a release keeps it."""
    from werkzeug.sansio.multipart import Data, File, MultipartDecoder
    decoder = MultipartDecoder(b"b")
    piece = bytearray(b'--b\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\n'
                      + b"A" * 1000)
    decoder.receive_data(memoryview(piece))
    piece[:] = b"Z" * len(piece)  # the reader fills its buffer with the next piece
    decoder.receive_data(b"\r\n--b--\r\n")
    decoder.receive_data(None)
    events = [decoder.next_event() for _ in range(4)]
    assert isinstance(events[1], File)
    assert b"".join(e.data for e in events if isinstance(e, Data)) == b"A" * 1000


def test_a_file_read_in_many_pieces_of_one_buffer_arrives_whole(app, monkeypatch):
    from capture.uploads import PieceReader, UploadParser
    monkeypatch.setattr(UploadParser, "buffer_size", 64 * 1024)
    pieces = []
    monkeypatch.setattr(PieceReader, "read", lambda self, size, read=PieceReader.read:
                        pieces.append(size) or read(self, size))
    data = os.urandom(5 * 1024 * 1024 + 3)
    environ, sender = multipart_environ("xYz", "标题", data)
    with app.request_context(environ):
        from flask import request
        request.max_content_length = len(data) * 2  # as for a user who may upload
        sha, size = app.extensions["store"].save(request.files["files"].stream)
        assert request.form["title"] == "标题"
    sender.join()
    assert len(pieces) > 80  # the file went through the one buffer many times
    assert (sha, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert app.extensions["store"].path(sha).read_bytes() == data
