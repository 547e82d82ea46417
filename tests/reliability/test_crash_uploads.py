"""Gunicorn is killed (SIGKILL, master and workers) at random moments while clients upload."""
import random
import threading
import time

import pytest

from harness import Server, print_figures, scale, server_errors, sites  # noqa: F401 (fixture)
from workload import Ledger, Worker, audit_site, run_workers

pytestmark = pytest.mark.reliability


def test_acknowledged_uploads_survive_the_server_being_killed(sites, capsys):
    size = scale()
    site = sites()
    facts = site.seed()
    ledger, stop = Ledger(), threading.Event()
    rng = random.Random()
    seed = rng.randrange(10**6)
    rng.seed(seed)
    server = Server(site, workers=4)
    server.start()
    started = time.monotonic()
    threads = run_workers(server.base_url, facts, ledger, size.uploaders, {"register": 1}, stop,
                          crashes_expected=True, big_file_every=size.big_file_every, seed=seed)
    kills = 0
    try:
        for _ in range(size.kills):
            time.sleep(rng.uniform(0.3, 2.5))
            server.kill()
            kills += 1
            time.sleep(rng.uniform(0, 0.5))
            server.start()
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
        server.kill()
    server.start()  # the next start cleans what the last kill left behind
    try:
        reader = Worker(server.base_url, facts, ledger, seed)
        reader.login()
        downloaded = sum(reader.download(r) for r in list(ledger.registered.values()))
    finally:
        server.stop()
    findings = audit_site(site, list(ledger.registered.values()), facts["body_id"])
    errors = ledger.errors + server_errors(site)
    print_figures(capsys, site, "crash during uploads", {
        "seed": seed,
        "uploaders": size.uploaders,
        "kills survived": f"{kills} of {size.kills}",
        "run time": f"{time.monotonic() - started:.1f} s",
        "requests served": ledger.responses,
        "requests cut off by a kill": ledger.interrupted,
        "registrations acknowledged": len(ledger.registered),
        "documents in the database": findings.documents,
        "downloaded intact after the last start": f"{downloaded} of {len(ledger.registered)}",
        "cut between storing and commit": f"{findings.unnamed_files} files that no record names",
        "cut between commit and answer": f"{findings.unacknowledged} records never acknowledged",
        "errors": len(errors),
        "records lost": len(findings.lost),
        "half-written records": len(findings.half_written),
        "item number gaps / duplicates": f"{len(findings.gaps)} / {len(findings.duplicates)}",
        "orphan temporary files": len(findings.orphan_tmp),
    })
    assert kills == size.kills
    assert ledger.registered, "no registration went through between the kills"
    assert not findings.lost, findings.lost
    assert downloaded == len(ledger.registered)
    assert not findings.half_written, findings.half_written
    assert not findings.gaps and not findings.duplicates, (findings.gaps, findings.duplicates)
    assert not findings.broken_audit, findings.broken_audit
    assert not findings.orphan_tmp, findings.orphan_tmp
    assert not errors, errors[:10]
