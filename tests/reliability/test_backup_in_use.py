"""`capture backup` while clients register; `capture restore` into an empty folder brings it all back."""
import subprocess
import threading
import time

import pytest

from harness import PYTHON, ROOT, Server, print_figures, scale, server_errors, sites  # noqa: F401
from workload import Ledger, audit_site, run_workers

pytestmark = pytest.mark.reliability


def _contents(site):
    """Every document with its files, and every audit event, as comparable tuples."""
    from capture.models import AuditEvent, Document, File
    with site.context():
        documents = {d.id: (d.reference_code, d.title, d.status) for d in Document.select()}
        files = {(f.document_id, f.original_name, f.sha256, f.size) for f in File.select()}
        events = {e.id: e.hash for e in AuditEvent.select()}
    return documents, files, events


def test_backup_taken_while_in_use_restores_everything(sites, tmp_path, capsys):
    size = scale()
    source = sites("source")
    facts = source.seed()
    ledger, stop = Ledger(), threading.Event()
    with Server(source, workers=4) as server:
        threads = run_workers(server.base_url, facts, ledger, 10, {"register": 3, "download": 1}, stop,
                              big_file_every=size.big_file_every)
        time.sleep(size.seconds / 3)
        backup_started = time.monotonic()
        backup = subprocess.run([PYTHON, "-m", "capture", "backup", str(tmp_path / "backups")],
                                env=source.env(), cwd=ROOT, capture_output=True, text=True)
        time.sleep(1)  # clients keep writing after the snapshot too
        stop.set()
        for thread in threads:
            thread.join(60)
    assert backup.returncode == 0, backup.stderr
    folder = next((tmp_path / "backups").iterdir())
    before_backup = ledger.acknowledged_before(backup_started)

    restored = sites("restored")  # an empty database, and a data folder not yet made
    assert not restored.data.exists()
    restore = restored.cli("restore", str(folder))
    verified = restored.cli("audit-verify", check=False)
    fixity = restored.cli("fixity", check=False)
    findings = audit_site(restored, before_backup, facts["body_id"])
    documents, files, events = _contents(restored)
    live_documents, live_files, live_events = _contents(source)
    errors = ledger.errors + server_errors(source)
    print_figures(capsys, source, "backup while in use, then restore", {
        "registrations acknowledged": f"{len(ledger.registered)} ({len(before_backup)} before the backup)",
        "documents in the backup": len(documents),
        "audit events in the backup": len(events),
        "requests served": ledger.responses,
        "errors": len(errors),
        "records lost": len(findings.lost),
        "audit-verify on the copy": "intact" if verified.returncode == 0 else "BROKEN",
        "fixity on the copy": "OK" if fixity.returncode == 0 else "FAILED",
    })
    assert "Restored" in restore.stdout
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert fixity.returncode == 0, fixity.stdout + fixity.stderr
    assert not findings.lost and not findings.half_written, (findings.lost, findings.half_written)
    assert not findings.gaps and not findings.duplicates
    # The copy is the live data as it was at one moment: nothing in it differs from the source.
    assert all(live_documents.get(k) == v for k, v in documents.items())
    assert files <= live_files
    assert all(live_events.get(k) == v for k, v in events.items())
    assert sorted(events) == list(range(1, len(events) + 1))
    assert not errors, errors[:10]
