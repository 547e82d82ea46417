"""Under a real gunicorn: one request gets one answer (a body the app did not read is never taken
for the next request on a kept-alive connection), and the API rate limit holds across workers."""
import re
import signal
import socket
import time
from collections import Counter

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


def test_the_rate_limit_holds_for_eight_clients_against_four_workers(app, world, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor
    from email.utils import parsedate_to_datetime

    import requests

    from test_api import bearer, token_for
    limit = 60
    monkeypatch.setenv("CAPTURE_API_RATE_PER_MINUTE", str(limit))
    headers = bearer(token_for(world["secretary"]))
    process, base = serve(app, "-w", "4", "capture:create_app()")

    def client(_n):
        with requests.Session() as session:  # one connection each, as a client library keeps it
            return [(r.status_code, parsedate_to_datetime(r.headers["Date"]).replace(second=0))
                    for r in (session.get(base + "/api/v1/bodies", headers=headers, timeout=60)
                              for _ in range(40))]
    try:
        if time.gmtime().tm_sec > 30:  # start early in a minute, so the run fits inside it
            time.sleep(61 - time.gmtime().tm_sec)
        with ThreadPoolExecutor(8) as pool:
            answers = [answer for answered in pool.map(client, range(8)) for answer in answered]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    accepted = Counter(minute for status, minute in answers if status == 200)
    assert {status for status, _minute in answers} <= {200, 429}
    assert max(accepted.values()) <= limit * 1.1, accepted
    assert sum(accepted.values()) >= limit * 0.8  # and it does not starve the client either
