"""The issue's first finding, as the user met it: a web import of 10,000 rows under gunicorn with
its default 30-second worker timeout. Every page now answers at once; a worker does the work."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from capture.models import Document
from conftest import PASSWORD
from test_import_scale import ROWS, catalogue

ROOT = Path(__file__).resolve().parent.parent
ANSWER_WITHIN = 25  # seconds: well inside gunicorn's default 30 s, or the worker would be killed


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app, *args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), CAPTURE_SECRET_KEY="test", CAPTURE_ENV="production",
               CAPTURE_DATA_DIR=app.config["DATA_DIR"], CAPTURE_DATABASE_URL=app.config["DATABASE_URL"])
    return subprocess.Popen([sys.executable, "-m", *args], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def token_of(html):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def follow(session, url, finished):
    """Reload a job's page (as its refresh does) until `finished` is on it; return the page."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        page = session.get(url, timeout=ANSWER_WITHIN)
        assert page.status_code == 200, page.text[:500]
        if finished in page.text:
            return page.text
        assert "没有完成" not in page.text, page.text
        time.sleep(1)
    raise AssertionError(f"{finished!r} never appeared on {url}")


def test_a_ten_thousand_row_web_import_under_gunicorn_with_its_default_timeout(app, world):
    port = free_port()
    server = start(app, "gunicorn", "-c", "python:capture.serving", "-w", "2", "-b", f"127.0.0.1:{port}",
                   "--timeout", "30", "--log-level", "warning",
                   "capture:create_app()")  # gunicorn's default timeout, shorter than ours
    worker = start(app, "capture", "worker")
    base = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        deadline = time.monotonic() + 60
        while True:  # until gunicorn listens and a worker has loaded the app
            try:
                login = session.get(base + "/login", timeout=ANSWER_WITHIN)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        session.post(base + "/login", data={"username": "secretary", "password": PASSWORD,
                                            "csrf_token": token_of(login.text)}, timeout=ANSWER_WITHIN)
        url = f"{base}/bodies/{world['a'].id}/import"
        form = session.get(url, timeout=ANSWER_WITHIN)
        uploaded = session.post(url, data={"csrf_token": token_of(form.text)},
                                files={"table": ("目录.csv", catalogue(), "text/csv")},
                                allow_redirects=False, timeout=ANSWER_WITHIN)
        assert uploaded.status_code == 303
        checked = follow(session, base + uploaded.headers["Location"], f"检查通过：可以导入 {ROWS} 件")
        staged = re.search(r'name="staged" type="hidden" value="([0-9a-f]+)"', checked).group(1)
        confirmed = session.post(url + "/confirm", data={"staged": staged, "csrf_token": token_of(checked)},
                                 allow_redirects=False, timeout=ANSWER_WITHIN)
        assert confirmed.status_code == 303
        follow(session, base + confirmed.headers["Location"], f"已导入 {ROWS} 件")
    finally:
        for process in (worker, server):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    assert Document.select().count() == ROWS
