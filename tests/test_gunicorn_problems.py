"""What gunicorn answers on its own is a problem document too: a worker killed for its timeout,
a request line it refuses. (capture/serving.py, used with `gunicorn -c python:capture.serving`.)"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def serve(app, *args):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=f"{ROOT}:{ROOT / 'tests'}", CAPTURE_SECRET_KEY="test",
               CAPTURE_DATA_DIR=app.config["DATA_DIR"], CAPTURE_DATABASE_URL=app.config["DATABASE_URL"])
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:capture.serving", "-w", "1",
                                "-b", f"127.0.0.1:{port}", "--log-level", "critical", *args],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(base + "/healthz", timeout=30)
            return process, base
        except requests.RequestException:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)


def test_a_request_killed_by_the_worker_timeout_is_answered_with_a_problem(app):
    process, base = serve(app, "--timeout", "3", "slow_app:create()")
    try:
        response = requests.get(base + "/api/v1/slow", timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert response.status_code == 503 and response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 503 and response.headers["Retry-After"]


def test_a_request_line_gunicorn_refuses_is_answered_with_a_problem(app):
    process, base = serve(app, "capture:create_app()")
    try:
        response = requests.get(base + "/api/v1/bodies?q=" + "x" * 5000, timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert response.status_code == 414
    assert response.headers["Content-Type"] == "application/problem+json"
    assert json.loads(response.text)["status"] == 414
