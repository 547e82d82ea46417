"""Shared helpers for the benchmarks: timing, memory, servers, and the printed report."""
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def best_of(fn, repeat=3):
    """The fastest of `repeat` runs of fn(), in seconds (files are in the page cache after the first)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def rss_kib(pid):
    """Resident memory of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def tree_rss_kib(pid):
    """Resident memory of a process and its children, in KiB."""
    total = rss_kib(pid)
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        for cpid in child.read_text().split():
            total += tree_rss_kib(int(cpid))
    return total


class PeakRss:
    """Samples the RSS of a process (and its children, with tree=True) every 10 ms; .peak in KiB."""

    def __init__(self, pid, tree=False):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._measure = tree_rss_kib if tree else rss_kib
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self._measure(self.pid))
            except (FileNotFoundError, ProcessLookupError):
                return
            time.sleep(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def free_port():
    """A TCP port on loopback that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(data_dir, **extra):
    """Environment for an app process on its own data folder."""
    env = dict(os.environ, CAPTURE_DATA_DIR=str(data_dir), CAPTURE_SECRET_KEY="bench",
               CAPTURE_ENV="production")
    env.update({k: str(v) for k, v in extra.items()})
    return env


@contextmanager
def gunicorn(data_dir, workers=2, threads=1, **env):
    """Serve the app under gunicorn on a free port; yield (base_url, master pid)."""
    port = free_port()
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "python:capture.serving", "-w", str(workers), "--threads", str(threads), "-b",
         f"127.0.0.1:{port}", "--timeout", "600", "--log-level", "warning", "capture:create_app()"],
        env=environment(data_dir, **env), cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def capture_cli(data_dir, *args, **env):
    """Run a `capture` command on a data folder; return its stdout."""
    result = subprocess.run([PYTHON, "-m", "capture", *args], env=environment(data_dir, **env),
                            cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"capture {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def scratch(prefix):
    """A scratch folder on the same disk as the project (tmpfs would hide disk costs)."""
    parent = os.environ.get("BENCH_DIR") or None
    if parent:
        Path(parent).mkdir(parents=True, exist_ok=True)  # a BENCH_DIR not made yet is made
    return Path(tempfile.mkdtemp(prefix=f"bench-{prefix}-", dir=parent))


def percentile(values, p):
    """The p-th percentile (0–100) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Report:
    """Collects figures and prints them as a table: ours, baseline, ratio, target, verdict."""

    def __init__(self, title):
        self.title, self.rows = title, []
        print(f"\n== {title} ==", flush=True)
        # Figures from a busy machine are noisy; the load says how busy it was when they were taken.
        print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)", flush=True)

    def ratio(self, label, ours, baseline, target, better="lower", unit="s"):
        """A timed figure against its baseline; `target` is the ratio ours/baseline must meet."""
        ratio = ours / baseline if baseline else float("inf")
        ok = ratio <= target if better == "lower" else ratio >= target
        sign = "≤" if better == "lower" else "≥"
        self.rows.append(ok)
        print(f"  {label:<44} ours {ours:9.3f} {unit}  baseline {baseline:9.3f} {unit}  "
              f"ratio {ratio:6.2f} (target {sign} {target})  {'PASS' if ok else 'FAIL'}", flush=True)
        return ok

    def limit(self, label, value, limit, unit):
        """A figure with an absolute limit (memory, latency)."""
        ok = value <= limit
        self.rows.append(ok)
        print(f"  {label:<44} {value:9.2f} {unit}  (limit {limit} {unit})  {'PASS' if ok else 'FAIL'}",
              flush=True)
        return ok

    def check(self, label, ok):
        """A yes/no figure (e.g. identical content)."""
        self.rows.append(ok)
        print(f"  {label:<44} {'yes' if ok else 'NO':>9}  {'PASS' if ok else 'FAIL'}", flush=True)
        return ok

    def note(self, text):
        """An informative line (growth, context); no verdict."""
        print(f"  {text}", flush=True)

    @property
    def passed(self):
        """True when every figure met its target."""
        return all(self.rows)


def growth(report, label, measure, sizes):
    """Print how a cost grows: measure(size) at ¼, ½ and the full size."""
    figures = [(size, measure(size)) for size in sizes]
    base = figures[0][1] or 1e-9
    report.note(f"{label}: " + ", ".join(f"{size}: {value:.3f} ({value / base:.2f}×)"
                                         for size, value in figures))
    return figures


__all__ = ["best_of", "PeakRss", "gunicorn", "capture_cli", "scratch", "percentile", "Report",
           "growth", "statistics", "tree_rss_kib"]
