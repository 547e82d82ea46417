"""The reliability suite's harness: a data folder (site), gunicorn killed and restarted, HTTP clients.

The size of each run comes from CAPTURE_RELIABILITY: `short` (the default, what `make test` runs)
or `full` (what `make reliability` runs).
"""
import dataclasses
import datetime as dt
import hashlib
import http.client
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
TOKEN = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
DETAIL = re.compile(r"/bodies/(\d+)/documents/(\d+)$")
# The errors a client sees when the server it talks to is killed under it.
CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, socket.timeout, OSError)


@dataclasses.dataclass(frozen=True)
class Scale:
    """How big a run is."""
    name: str
    uploaders: int        # concurrent clients while the server is killed
    kills: int            # SIGKILLs of gunicorn, each followed by a restart
    clients: int          # concurrent clients of the concurrency run
    seconds: float        # length of the concurrency run
    export_kills: int     # SIGKILLs of `capture export`
    big_file_every: int   # one upload in this many carries a few MiB, so kills land mid-write


SCALES = {
    "short": Scale("short", uploaders=20, kills=3, clients=50, seconds=10, export_kills=3,
                   big_file_every=10),
    "full": Scale("full", uploaders=20, kills=10, clients=50, seconds=60, export_kills=10,
                  big_file_every=8),
}


def scale():
    """The scale chosen by CAPTURE_RELIABILITY (short unless set to full)."""
    name = os.environ.get("CAPTURE_RELIABILITY", "short")
    if name not in SCALES:
        raise ValueError(f"CAPTURE_RELIABILITY must be one of {sorted(SCALES)}, not {name!r}")
    return SCALES[name]


def free_port():
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(data):
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def file_bytes(rng, size):
    """Content that no format check refuses: a text line, then random bytes."""
    head = f"reliability test {uuid.UUID(int=rng.getrandbits(128))}\n".encode()
    return head + rng.randbytes(max(size - len(head), 0))


# --- a data folder and its database ------------------------------------------------------------

_database_numbers = itertools.count(1)


class Site:
    """A data folder with its own database (a SQLite file, or a new PostgreSQL database)."""

    def __init__(self, root, postgres_url=None):
        self.root = Path(root)
        self.data = self.root / "data"  # made by the app: a restore may go where none exists
        self.root.mkdir(parents=True, exist_ok=True)
        self.log = self.root / "server.log"
        self.postgres_url = postgres_url
        if postgres_url:
            self.database = f"rel_{os.getpid()}_{next(_database_numbers)}"
            _postgres(postgres_url, f"CREATE DATABASE {self.database}")
            self.url = postgres_url.rsplit("/", 1)[0] + "/" + self.database
        else:
            self.url = f"sqlite:///{self.data / 'capture.sqlite3'}"
        self._app = None

    def env(self, **extra):
        """The environment of an app process on this site."""
        env = dict(os.environ, CAPTURE_DATA_DIR=str(self.data), CAPTURE_DATABASE_URL=self.url,
                   CAPTURE_SECRET_KEY="reliability", CAPTURE_ENV="production")
        env.update({k: str(v) for k, v in extra.items()})
        return env

    @contextmanager
    def context(self):
        """An app context with the database bound to this site and a connection open."""
        from capture import create_app
        from capture.db import bind, db
        if self._app is None:
            self._app = create_app({"TESTING": True, "SECRET_KEY": "reliability",
                                    "DATA_DIR": str(self.data), "DATABASE_URL": self.url})
        bind(self.url)
        with self._app.app_context(), db.connection_context():
            yield self._app

    @property
    def store(self):
        """The site's file store (as the app sees it)."""
        from capture.storage import Store
        return Store(self.data / "store")

    def seed(self, kind="epidemic"):
        """Schema, an admin, a secretary and one body she registers for; return its facts."""
        from capture import schema
        from capture.models import Category, Membership

        from conftest import PASSWORD, make_body, make_user
        with self.context():
            schema.migrate()
            make_user("admin", "admin")
            secretary = make_user("secretary", "secretary")
            body = make_body("REL", kind=kind, name="可靠性测试临时机构",
                             expected_end=dt.date(2030, 12, 31))
            Membership.create(user=secretary, body=body, role="secretary")
            categories = [c.code for c in Category.select().where(Category.body == body)]
        return {"body_id": body.id, "username": "secretary", "password": PASSWORD,
                "categories": categories}

    def cli(self, *args, check=True, **env):
        """Run `capture …` on this site; return the finished process."""
        result = subprocess.run([PYTHON, "-m", "capture", *args], env=self.env(**env),
                                cwd=ROOT, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"capture {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def drop(self):
        """Remove the site's PostgreSQL database (the folder goes with tmp_path)."""
        from capture.db import db
        if self.postgres_url:
            if not db.is_closed():
                db.close()
            _postgres(self.postgres_url, f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")


def _postgres(url, statement):
    import psycopg2
    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        connection.cursor().execute(statement)
    finally:
        connection.close()


@pytest.fixture
def sites(tmp_path, postgres_url):
    """Make sites on the database of this pass (SQLite, or the session's PostgreSQL server)."""
    made = []

    def make(name="site"):
        site = Site(tmp_path / name, postgres_url)
        made.append(site)
        return site
    yield make
    for site in made:
        site.drop()


# --- gunicorn, killed and restarted -----------------------------------------------------------

class Server:
    """The app under gunicorn in its own process group, so that one SIGKILL takes every worker."""

    def __init__(self, site, workers=4, **env):
        self.site, self.workers, self.env = site, workers, env
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.starts = 0

    def start(self, timeout=60):
        """Start gunicorn and wait until it answers."""
        with open(self.site.log, "ab") as log:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "gunicorn", "-c", "python:capture.serving", "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
                 "--timeout", "120", "--graceful-timeout", "30", "--log-level", "warning",
                 "capture:create_app()"],
                env=self.site.env(**self.env), cwd=ROOT, stdout=log, stderr=log,
                start_new_session=True)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, _, _ = Client(self.base_url, timeout=5).request("GET", "/login")
                if status == 200:
                    return
            except CONNECTION_ERRORS:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited {self.process.returncode}: {self.log_tail()}")
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer within {timeout} s: {self.log_tail()}")

    def kill(self):
        """SIGKILL the master and every worker at once, as a crash would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        _wait_group_gone(self.process.pid)

    def stop(self):
        """Stop gracefully (SIGTERM), letting requests in progress finish."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            _wait_group_gone(self.process.pid)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def log_tail(self, n=3000):
        return self.site.log.read_text(errors="replace")[-n:] if self.site.log.exists() else ""


def _wait_group_gone(pgid, timeout=10):
    """Wait until every process of the group has exited (zombies hold no socket any more)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _live_members(pgid):
        time.sleep(0.01)


def _live_members(pgid):
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(stat.parent.name)
    return alive


def server_errors(site):
    """Exceptions the server logged (each reached a user as a 500), by their last line."""
    if not site.log.exists():
        return []
    chunks = site.log.read_text(errors="replace").split("Traceback (most recent call last):")[1:]
    errors = []
    for chunk in chunks:
        lines = [line for line in chunk.splitlines() if line and not line[0].isspace()]
        errors.append(lines[0] if lines else "traceback")
    return errors


# --- an HTTP client ---------------------------------------------------------------------------

class Client:
    """A cookie session against one server; one connection per request, like a simple browser."""

    def __init__(self, base_url, timeout=120):
        parts = urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.cookies = {}
        self.responses = 0

    def request(self, method, path, body=None, headers=None, chunked=False):
        """Send a request; return (status, body bytes, headers)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers, encode_chunked=chunked)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        self.responses += 1
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data, dict(response.getheaders())

    def token(self, path):
        """The CSRF token of the form at `path`."""
        status, data, _ = self.request("GET", path)
        match = TOKEN.search(data)
        if status != 200 or not match:
            raise UnexpectedResponse(status, data, f"GET {path}")
        return match.group(1).decode()

    def login(self, username, password):
        """Sign in; raise unless the server accepts."""
        fields = {"username": username, "password": password, "csrf_token": self.token("/login")}
        status, data, _ = self.request("POST", "/login", urlencode(fields).encode(),
                                       {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise UnexpectedResponse(status, data, "login")

    def post_multipart(self, path, fields, files, chunked=False):
        """POST fields and in-memory files [(name, bytes)] with the CSRF token of the form."""
        fields = dict(fields, csrf_token=self.token(path))
        body = multipart(fields, files)
        headers = {"Content-Type": body.content_type}
        if chunked:
            return self.request("POST", path, iter(body.parts), headers, chunked=True)
        headers["Content-Length"] = str(sum(len(p) for p in body.parts))
        return self.request("POST", path, b"".join(body.parts), headers)


class UnexpectedResponse(Exception):
    """The server answered, but not as a working application should."""

    def __init__(self, status, data, what):
        super().__init__(f"{what}: HTTP {status}: {data[:300]!r}")
        self.status, self.data = status, data


@dataclasses.dataclass
class _Body:
    content_type: str
    parts: list


def multipart(fields, files):
    """A multipart/form-data body as a list of byte chunks."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for filename, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                     f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode())
        parts.extend(data[i:i + 1024 * 1024] for i in range(0, len(data), 1024 * 1024))
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return _Body(f"multipart/form-data; boundary={boundary}", parts)


def print_figures(capsys, site, title, figures):
    """Print a run's figures on the terminal, even when pytest captures output."""
    database = "PostgreSQL" if site.postgres_url else "SQLite"
    with capsys.disabled():
        print(f"\n== reliability [{scale().name}, {database}] {title} ==")
        for label, value in figures.items():
            print(f"   {label:<34} {value}")
