"""One request, one answer: under gunicorn's threaded worker (kept-alive connections), a body the
app did not read is never taken for the next request on the connection."""
import re
import signal
import socket

import pytest

from test_gunicorn_problems import serve

HIDDEN = b"GET /login HTTP/1.1\r\nHost: x\r\n\r\n"
LAST = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def exchange(base, raw):
    """Send raw bytes on one connection; every answer's status, in order, until it closes."""
    host, port = base.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(raw)
        while chunk := connection.recv(65536):
            received += chunk
    statuses = []
    while received:  # each answer: status line and headers, then Content-Length bytes
        head, _sep, received = received.partition(b"\r\n\r\n")
        statuses.append(int(head.split(b" ", 2)[1]))
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        received = received[int(length.group(1)) if length else len(received):]
    return statuses


@pytest.fixture
def threaded(app):
    process, base = serve(app, "--threads", "4", "capture:create_app()")
    yield base
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


@pytest.mark.parametrize("path, status", [("/no-such-page", 404), ("/healthz", 405)])
def test_a_request_hidden_in_an_unread_body_gets_no_answer(threaded, path, status):
    smuggling = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                 f"Content-Length: {len(HIDDEN)}\r\n\r\n").encode() + HIDDEN
    assert exchange(threaded, smuggling + LAST) == [status, 200]
