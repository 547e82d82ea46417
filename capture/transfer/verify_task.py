"""Verifying an uploaded package as a background job: a large zip takes longer than a request.

The upload waits in DATA_DIR/verify/<random>/ until a worker (`capture worker`) has checked it;
it is removed once the verdict is kept, so a job whose worker died can be started again.
Leftovers older than a day are removed.
"""
import secrets
import shutil
import time
from pathlib import Path

from capture import jobs
from capture.db import db

from . import verify as verifier

KIND = "transfer.verify"
KEEP_SECONDS = 24 * 3600


def _root(data_dir):
    root = Path(data_dir) / "verify"
    root.mkdir(parents=True, exist_ok=True)
    return root


def stage(data_dir, upload, name, digest, user):
    """Keep the uploaded package and queue its verification; return the job."""
    root = _root(data_dir)
    limit = time.time() - KEEP_SECONDS
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)
    folder = root / secrets.token_hex(16)
    folder.mkdir()
    path = folder / (Path(name or "package.zip").name or "package.zip")
    upload.save(path)
    return jobs.enqueue(KIND, user, None, {"path": str(path), "name": path.name, "digest": digest or ""})


def run(job, app):
    """Verify the kept package; the job's result is the verdict."""
    given = jobs.params(job)
    path = Path(given["path"])
    result = verifier.verify(path, given["digest"] or None, digest_source="form")
    with db.atomic():
        jobs.finish(job, {"name": given["name"], "digest": result.digest,
                          "digest_of": result.digest_of, "digest_sm3": result.digest_sm3,
                          "findings": result.findings})
    shutil.rmtree(path.parent, ignore_errors=True)


def verdict(job):
    """The Verification a done job keeps, for the page."""
    kept = jobs.result(job)
    result = verifier.Verification(kept["name"], kept["digest"], kept["digest_of"],
                                   kept.get("digest_sm3", ""),
                                   [(severity, msgid, params) for severity, msgid, params in kept["findings"]])
    return result, kept["name"]
