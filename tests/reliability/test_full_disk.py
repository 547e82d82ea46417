"""The store's disk fills up: the user is told plainly, and nothing already stored is harmed."""
import os
import subprocess

import pytest

from harness import Server, file_bytes, print_figures, server_errors, sites  # noqa: F401 (fixture)
from workload import Ledger, Worker, audit_site

pytestmark = pytest.mark.reliability

MIB = 1024 * 1024
MESSAGE = "服务器存储空间不足"


@pytest.fixture
def small_store(sites):
    """A site whose store is a 64 MiB tmpfs of its own (mounting needs root)."""
    if os.geteuid() != 0:
        pytest.skip("not root: cannot mount the 64 MiB tmpfs that stands in for a full store disk")
    site = sites()
    facts = site.seed()
    store = site.data / "store"
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(store)], check=True)
    (store / "tmp").mkdir()
    try:
        yield site, facts
    finally:
        subprocess.run(["umount", "--lazy", str(store)], check=True)


def _free(site):
    return os.statvfs(site.data / "store").f_bavail * os.statvfs(site.data / "store").f_frsize


def _attempt(worker, size, chunked=False):
    """Post one registration with a file of `size` bytes; return (status, page text)."""
    fields = {"category": "", "retention": "Y", "carrier": "electronic", "responsible": "可靠性测试指挥部",
              "title": "大文件", "date": "2026-03-01", "pages": "1", "security": "", "scope_item": "",
              "doc_number": "", "remarks": ""}
    status, data, _ = worker.client.post_multipart(f"{worker.body_path}/documents/new", fields,
                                                   [("大文件.dat", file_bytes(worker.rng, size))],
                                                   chunked=chunked)
    return status, data.decode(errors="replace")


def test_an_upload_larger_than_the_free_space_is_refused_plainly(small_store, capsys):
    site, facts = small_store
    ledger = Ledger()
    with Server(site, workers=2, CAPTURE_STORE_RESERVE_MB=1) as server:
        worker = Worker(server.base_url, facts, ledger, seed=1)
        worker.login()
        for _ in range(5):
            worker.register()
        before = dict(ledger.registered)
        # Announced too large: refused before a byte is written.
        declared = _attempt(worker, _free(site) + 8 * MIB)
        # Sent without a length (chunked), the disk fills while it is written.
        ballast = site.data / "store" / "ballast"
        ballast.write_bytes(b"\0" * (_free(site) - 12 * MIB))
        chunked = _attempt(worker, 24 * MIB, chunked=True)
        leftovers = sorted(p.name for p in (site.data / "store" / "tmp").iterdir())
        free_after = _free(site)
        ballast.unlink()
        worker.register()  # room again: registering works as before
    findings = audit_site(site, list(ledger.registered.values()), facts["body_id"])
    fixity = site.cli("fixity", check=False)
    errors = ledger.errors + server_errors(site)
    print_figures(capsys, site, "full disk (64 MiB tmpfs store)", {
        "upload larger than the free space": f"HTTP {declared[0]}",
        "upload that fills the disk (chunked)": f"HTTP {chunked[0]}",
        "temporary files left": len(leftovers),
        "free space after the refusals": f"{free_after / MIB:.1f} MiB",
        "registrations before / after": f"{len(before)} / {len(ledger.registered)}",
        "errors": len(errors),
        "records lost": len(findings.lost),
        "fixity": "OK" if fixity.returncode == 0 else "FAILED",
    })
    for status, page in (declared, chunked):
        assert status == 507 and MESSAGE in page, (status, page[:500])
    assert not leftovers
    assert free_after > 11 * MIB  # the refused upload's bytes were given back at once
    assert len(ledger.registered) == len(before) + 1 and findings.documents == len(before) + 1
    assert not findings.lost and not findings.half_written and not findings.gaps
    assert fixity.returncode == 0, fixity.stderr
    assert not errors, errors[:10]
