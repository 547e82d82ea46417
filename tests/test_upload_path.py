"""The upload path: bodies read straight off gunicorn's socket, hashed on a second thread."""
import hashlib
import os
import socket
import threading

import pytest
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import SocketUnreader

from capture import storage
from capture.uploads import read_bodies_from_socket

NEXT_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


def gunicorn_input(sock, body, read_ahead):
    """wsgi.input as gunicorn builds it, after reading `read_ahead` body bytes with the headers."""
    unreader = SocketUnreader(sock)
    held = b""
    while len(held) < read_ahead:
        held += sock.recv(read_ahead - len(held))
    unreader.unread(held)
    return Body(LengthReader(unreader, len(body)))


def test_body_is_read_from_the_socket_whole_and_nothing_beyond_it():
    body = os.urandom(3 * 1024 * 1024 + 17)
    server, client = socket.socketpair()
    sender = threading.Thread(target=client.sendall, args=(body + NEXT_REQUEST,))
    sender.start()
    wsgi_input = gunicorn_input(server, body, read_ahead=5000)
    seen = {}

    def app(environ, start_response):
        seen["type"] = type(environ["wsgi.input"]).__name__
        chunks = []
        while chunk := environ["wsgi.input"].read(1024 * 1024):
            chunks.append(chunk)
        seen["body"] = b"".join(chunks)
        return []

    read_bodies_from_socket(app)({"gunicorn.socket": server, "wsgi.input": wsgi_input}, None)
    sender.join()
    assert seen["type"] == "SocketBody"
    assert seen["body"] == body
    assert wsgi_input.read() == b""  # gunicorn finds the body consumed
    assert server.recv(100) == NEXT_REQUEST  # the next request on the connection is untouched
    server.close(), client.close()


def test_other_servers_keep_their_own_input():
    seen = {}

    def app(environ, start_response):
        seen["input"] = environ["wsgi.input"]
        return []

    marker = object()
    read_bodies_from_socket(app)({"wsgi.input": marker}, None)
    assert seen["input"] is marker


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


def test_abandoned_upload_stops_its_hashing_thread(tmp_path):
    store = storage.Store(tmp_path)
    upload = store.incoming()
    upload.write(b"x" * 100_000)
    upload.close()
    assert not [t for t in threading.enumerate() if t.name == "upload-digest"]
    assert list(store.tmp.iterdir()) == []


def test_a_client_that_goes_away_mid_body_is_a_disconnect_not_a_short_file():
    from werkzeug.exceptions import ClientDisconnected
    from werkzeug.wsgi import LimitedStream

    from capture.uploads import SocketBody
    server, client = socket.socketpair()
    client.sendall(b"x" * 70_000)
    client.close()
    stream = LimitedStream(SocketBody(server, b"", 100_000), 100_000)
    with pytest.raises(ClientDisconnected):
        stream.read()
    server.close()
