"""A throwaway PostgreSQL cluster for the test suite: initdb in a temp dir, a free port, stopped at exit."""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


def _bin(name):
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found if isinstance(found, str) else found[-1]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """initdb + pg_ctl start as a non-root user (PostgreSQL refuses to run as root)."""

    def __init__(self, durable=False):
        self.durable = durable  # the suite trades crash safety for speed; a benchmark must not
        self.dir = tempfile.mkdtemp(prefix="capture-pg-")
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = pwd.getpwnam("postgres")
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self.data = os.path.join(self.dir, "data")

    def _run(self, *args):
        def demote():
            if self.user:
                os.setgid(self.user.pw_gid)
                os.setuid(self.user.pw_uid)
        subprocess.run(args, check=True, preexec_fn=demote, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, cwd=self.dir)

    def start(self):
        """Create the cluster and start the server; return its URL."""
        self._run(_bin("initdb"), "-D", self.data, "-U", "capture", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(_bin("pg_ctl"), "-D", self.data, "-o", options, "-l",
                  os.path.join(self.dir, "log"), "-w", "start")
        self._run(_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "capture", "capture")
        return f"postgresql://capture@127.0.0.1:{self.port}/capture"

    def stop(self):
        """Stop the server and remove the cluster."""
        try:
            self._run(_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "stop")
        finally:
            time.sleep(0.2)
            shutil.rmtree(self.dir, ignore_errors=True)
