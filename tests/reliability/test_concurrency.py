"""Fifty clients at once for a while: registering, listing, downloading, on 4 gunicorn workers."""
import threading
import time

import pytest

from harness import Server, print_figures, scale, server_errors, sites  # noqa: F401 (fixture)
from workload import Ledger, audit_site, run_workers

pytestmark = pytest.mark.reliability

ACTIONS = {"register": 4, "list_documents": 3, "download": 3}


def test_fifty_clients_get_no_errors_and_numbers_stay_unbroken(sites, capsys):
    size = scale()
    site = sites()
    facts = site.seed()
    ledger, stop = Ledger(), threading.Event()
    with Server(site, workers=4) as server:
        started = time.monotonic()
        threads = run_workers(server.base_url, facts, ledger, size.clients, ACTIONS, stop)
        time.sleep(size.seconds)
        stop.set()
        for thread in threads:
            thread.join(120)
        elapsed = time.monotonic() - started
    findings = audit_site(site, list(ledger.registered.values()), facts["body_id"])
    errors = ledger.errors + server_errors(site)
    print_figures(capsys, site, "concurrency", {
        "clients": size.clients,
        "run time": f"{elapsed:.1f} s",
        "requests served": f"{ledger.responses} ({ledger.responses / elapsed:.0f}/s)",
        "registrations acknowledged": len(ledger.registered),
        "documents in the database": findings.documents,
        "errors": len(errors),
        "records lost": len(findings.lost),
        "item number gaps / duplicates": f"{len(findings.gaps)} / {len(findings.duplicates)}",
    })
    assert not errors, errors[:10]
    assert ledger.registered, "nothing was registered"
    assert not findings.lost, findings.lost
    assert not findings.half_written, findings.half_written
    assert not findings.gaps and not findings.duplicates, (findings.gaps, findings.duplicates)
    assert not findings.broken_audit, findings.broken_audit
