"""Benchmark 7: the office under load. 8 API clients (4 register documents, 4 read the document
list) against gunicorn while `capture import` writes 10,000 rows and a body of 2,000 items
(1.1 GiB) is exported as a package; baseline: the same clients with nothing else running.
Figures: p95 and max latency of each kind, and errors; on SQLite, then on a PostgreSQL cluster
of its own (durable: fsync on, as in production).
"""
import shutil
import subprocess
import threading
import time

import requests

from capture.models import Membership
from capture.people import tokens
from capture.records import scope

from tests.pg_support import Cluster

from . import data, export
from .common import PYTHON, ROOT, Report, capture_cli, environment, gunicorn, percentile, scratch
from .imports import catalogue

CLIENTS = 8


def client(url, headers, kind, stop, latencies, errors, number):
    """One client until `stop`: register a document, or read the list, as fast as answered."""
    session = requests.Session()
    n = 0
    while not stop.is_set():
        n += 1
        start = time.perf_counter()
        try:
            if kind == "register":
                fields = {"retention": "D10", "responsible": "区防控指挥部", "carrier": "paper",
                          "title": f"客户端{number}的第{n}份报告", "date": "2026-03-02"}
                # multipart/form-data, as the API takes it: (None, value) parts are plain fields
                response = session.post(url, headers=headers, timeout=60,
                                        files={k: (None, v) for k, v in fields.items()})
                ok = response.status_code == 201
            else:
                response = session.get(url, headers=headers, timeout=60)
                ok = response.status_code == 200
        except requests.RequestException:
            ok = False
        (latencies if ok else errors).append(time.perf_counter() - start)


def drive(base, body_id, token, seconds=None, until=None):
    """Run the clients for `seconds`, or while `until()` is true; {kind: (latencies, errors)}."""
    headers = {"Authorization": f"Bearer {token}"}
    urls = {"register": f"{base}/api/v1/bodies/{body_id}/documents",
            "read": f"{base}/api/v1/bodies/{body_id}/documents?per_page=50"}
    results = {kind: ([], []) for kind in urls}
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(urls[kind], headers, kind, stop, *results[kind], n))
               for n, kind in enumerate(["register", "read"] * (CLIENTS // 2))]
    for thread in threads:
        thread.start()
    if seconds is not None:
        time.sleep(seconds)
    else:
        while until():
            time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join()
    return results


def run(quick=False, rows=None):
    """Print p95, max and errors of registrations and reads, alone and while an import and an
    export work, on SQLite and then on PostgreSQL."""
    rows = rows or (1_000 if quick else 10_000)
    items = 200 if quick else export.ITEMS
    passed = office(rows, items, None)
    cluster = Cluster(durable=True)
    try:
        passed = office(rows, items, cluster.start()) and passed
    finally:
        cluster.stop()
    return passed


def office(rows, items, database_url):
    """One pass of the office on SQLite (no URL) or on the database at `database_url`."""
    work = scratch("office")
    codes, files = export.populate(work, [items], database_url)
    size = sum(size for _kind, _sha, size in files)
    report = Report(f"Office under load ({'PostgreSQL' if database_url else 'SQLite'}): {CLIENTS} API "
                    f"clients while `capture import` writes {rows:,} rows and a body of {items:,} items, "
                    f"{size / export.MIB:,.0f} MiB, is exported")
    with data.app_on(work, database_url):
        [secretary] = data.users("secretary", 1, "clerk")
        [body_id] = data.bodies(1, prefix="OFC", start=100)
        from capture.models import Body, User
        body, user = Body.get_by_id(body_id), User.get_by_id(secretary)
        scope.seed(body)
        Membership.create(user=user, body=body, role="secretary")
        token = tokens.create(user, "bench", "read write")[1]
        table = work / "catalogue.csv"
        table.write_bytes(catalogue(rows))
        data.settle()
    env = {"CAPTURE_API_RATE_PER_MINUTE": 10**7, **({"CAPTURE_DATABASE_URL": database_url} if database_url else {})}
    capture_cli(work, "check", codes[items], "--operator", "bench", **env)  # the pre-transfer check comes before an export
    with gunicorn(work, workers=4, **env) as (base, _pid):
        drive(base, body_id, token, seconds=2)  # warm the workers
        alone = drive(base, body_id, token, seconds=10)
        started = time.perf_counter()
        work_done = {}
        jobs = {"import": [PYTHON, "-m", "capture", "import", body.code, str(table), "--user", user.username],
                "export": [PYTHON, "-m", "bench.export_child", codes[items], str(work / "package")]}
        running = {name: subprocess.Popen(command, cwd=ROOT, env=environment(work, **env),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                   for name, command in jobs.items()}

        def still_working():
            for name, process in running.items():
                if name not in work_done and process.poll() is not None:
                    work_done[name] = time.perf_counter() - started
            return len(work_done) < len(running)

        busy = drive(base, body_id, token, until=still_working)
    for name, process in running.items():
        failed = process.returncode != 0
        report.note(f"the {name} took {work_done[name]:.1f} s"
                    + (f" and FAILED: {process.stderr.read().decode()[-300:]}" if failed else ""))
        report.check(f"the {name} succeeded", not failed)
    for kind, label in (("register", "registrations"), ("read", "API reads")):
        base_latencies, base_errors = alone[kind]
        latencies, errors = busy[kind]
        report.note(f"{label} alone: {len(base_latencies)} answered, p95 {percentile(base_latencies, 95):.3f} s, "
                    f"max {max(base_latencies, default=0):.3f} s, {len(base_errors)} errors")
        report.ratio(f"{label} p95 while importing and exporting vs alone", percentile(latencies, 95),
                     percentile(base_latencies, 95), float("inf"))
        report.limit(f"{label} p95 while importing and exporting", percentile(latencies, 95), 1.0, "s")
        report.limit(f"{label} max while importing and exporting", max(latencies, default=0), 5.0, "s")
        report.limit(f"{label} errors ({len(latencies)} answered)", len(errors), 0, "")
    shutil.rmtree(work)
    return report.passed
