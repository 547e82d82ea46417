"""Benchmark 3: one large file posted through HTTP to the app under gunicorn, against `cp`."""
import os
import re
import subprocess
import time
from pathlib import Path

from .common import PeakRss, Report, capture_cli, gunicorn, scratch, tree_rss_kib
from .http import Session

MIB = 1024 * 1024


def make_file(path, size):
    """A file of random-looking bytes (so nothing can compress or deduplicate it)."""
    block = os.urandom(MIB)
    with open(path, "wb") as f:
        for i in range(size // MIB):
            f.write(block[i % 256:] + block[:i % 256])


def demo_login(data_dir):
    """(username, password) of the demo secretary and the id of her body."""
    rows = [line.split("\t") for line in (data_dir / "demo-credentials.txt").read_text().splitlines()]
    return next((u, p) for role, u, p in rows if u == "secretary")


def upload_once(session, body_id, path, title):
    """Register one document with one file; return seconds taken."""
    fields = {"category": "", "retention": "Y", "carrier": "audio-video", "doc_number": "",
              "responsible": "区疫情防控工作指挥部", "title": title, "date": time.strftime("%Y-%m-%d"),
              "pages": "0", "security": "", "scope_item": "", "remarks": ""}
    target = f"/bodies/{body_id}/documents/new"
    start = time.perf_counter()
    status, data, headers = session.post_multipart(target, fields, [("files", path.name, path)])
    elapsed = time.perf_counter() - start
    if status != 302:
        raise RuntimeError(f"upload refused (HTTP {status}): {data[:500]!r}")
    return elapsed


def run(quick=False):
    """Print upload throughput and server memory growth against cp."""
    size_mib = 64 if quick else 1024
    report = Report(f"Upload: one {size_mib} MiB file through HTTP (gunicorn, 2 workers) vs cp")
    work = scratch("upload")
    data_dir = work / "data"
    capture_cli(data_dir, "init")
    capture_cli(data_dir, "demo")
    username, password = demo_login(data_dir)
    source = work / "video.mp4"
    make_file(source, size_mib * MIB)
    subprocess.run(["cat", str(source)], stdout=subprocess.DEVNULL, check=True)  # page cache

    def cp_seconds(path):
        target = work / "copy.bin"
        start = time.perf_counter()
        subprocess.run(["cp", str(path), str(target)], check=True)
        elapsed = time.perf_counter() - start
        target.unlink()
        return elapsed

    with gunicorn(data_dir, workers=2, CAPTURE_MAX_UPLOAD_MB=size_mib * 2) as (url, master):
        session = Session(url)
        session.login(username, password)
        body_id = re.search(rb'/bodies/(\d+)', session.request("GET", "/bodies")[1]).group(1).decode()
        upload_once(session, body_id, _small(work), "预热")  # workers warm, signatures loaded
        before = tree_rss_kib(master)
        with PeakRss(master) as peak_master:
            ours = min(upload_once(session, body_id, source, f"大文件上传 {i}") for i in range(2))
        growth_mib = (tree_rss_kib(master) - before) / 1024
    baseline = min(cp_seconds(source) for _ in range(3))
    size = size_mib * MIB
    report.ratio("throughput, MiB/s", size / ours / MIB, size / baseline / MIB, 0.5, better="higher",
                 unit="MiB/s")
    report.limit("server RSS growth after two uploads", max(growth_mib, 0), 64, "MiB")
    for fraction in (4, 2):
        part = work / f"part-{fraction}.bin"
        make_file(part, size // fraction)
        with gunicorn(data_dir, workers=2, CAPTURE_MAX_UPLOAD_MB=size_mib * 2) as (url, _):
            session = Session(url)
            session.login(username, password)
            seconds = upload_once(session, body_id, part, f"1/{fraction}")
        report.note(f"growth: 1/{fraction} size ({size // fraction // MIB} MiB) took {seconds:.2f} s")
        part.unlink()
    report.note(f"growth: full size took {ours:.2f} s")
    subprocess.run(["rm", "-rf", str(work)])
    return report.passed


def _small(work):
    path = Path(work) / "small.bin"
    path.write_bytes(os.urandom(1000))
    return path
