"""Exporting a transfer package as a worker job: a worker killed mid-export leaves no package
under its name (nothing half-done) and a failed job that can be run again."""
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

from capture import jobs
from capture.models import Job, Transfer
from capture.transfer import packaging, verify
from conftest import make_user
from test_import_jobs import work
from transfer_support import flood_body, register

ROOT = Path(__file__).resolve().parent.parent


def long_recording(seconds=900):
    """A valid WAV of silence, large enough (about 80 MB) that copying it takes a moment."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(bytes(2 * 44100 * seconds))
    return buffer.getvalue()


def test_a_worker_killed_mid_export_leaves_no_package_and_the_job_runs_again(app):
    body, secretary, _docs = flood_body(app)
    register(app.extensions["store"], body, secretary, "防汛会商会议录音", data=long_recording(),
             name="会商录音.wav", carrier="audio-video", category=None)
    officer = make_user("officer", "transfer_officer")
    transfer = packaging.start(body, officer)
    job = Job.get(Job.kind == packaging.EXPORT_JOB)
    env = dict(os.environ, PYTHONPATH=str(ROOT), CAPTURE_ENV="development", CAPTURE_SECRET_KEY="test",
               CAPTURE_DATA_DIR=app.config["DATA_DIR"], CAPTURE_DATABASE_URL=app.config["DATABASE_URL"])
    process = subprocess.Popen([sys.executable, "-m", "capture", "worker"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # until it is copying files into the package
            current = Transfer.get_by_id(transfer.id)
            if current.progress > 0 or current.status != "exporting":
                break
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    current = Transfer.get_by_id(transfer.id)
    if current.status == "exporting":  # killed mid-way, as intended
        assert not packaging.is_running(current)  # the body may be exported again
        assert not (Path(app.config["DATA_DIR"]) / current.package_path).exists()  # no half package under its name
        assert jobs.reap(jobs.dead_worker_reason(), at=dt.datetime.utcnow() + dt.timedelta(minutes=1)) == 1
        assert Job.get_by_id(job.id).status == "failed"
        assert jobs.restart(Job.get_by_id(job.id)) == 1
        work(app)
    done = Transfer.get_by_id(transfer.id)
    assert Job.get_by_id(job.id).status == "done" and done.status == "exported"
    assert verify.verify(Path(app.config["DATA_DIR"]) / done.package_path).valid
