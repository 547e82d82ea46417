"""Bulk import as background jobs: the page answers at once, follows the progress, survives a
logout, and a worker that dies leaves nothing half-done and a job that can be started again."""
import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from capture import jobs
from capture.models import Document, Job
from capture.ops import worker
from capture.records.imports import staging, tasks
from test_import import ROWS, csv_bytes
from test_import_scale import ROWS as MANY, catalogue

ROOT = Path(__file__).resolve().parent.parent


def work(app):
    """What `capture worker` does: every queued job, in order."""
    done = []
    while (job := worker.run_next(app)) is not None:
        done.append(job)
    return done


def test_upload_answers_at_once_and_the_job_page_follows_the_check_and_the_import(app, client, auth, world):
    auth.login("secretary")
    url = f"/bodies/{world['a'].id}/import"
    rows = [r[:12] + [""] for r in ROWS]
    uploaded = auth.post(url, {"table": (io.BytesIO(csv_bytes(rows)), "目录.csv")},
                         content_type="multipart/form-data")
    assert uploaded.status_code == 303
    page = uploaded.headers["Location"]
    waiting = client.get(page).get_data(as_text=True)
    assert "排队等待检查" in waiting and 'http-equiv="refresh"' in waiting

    assert [j.kind for j in work(app)] == [tasks.CHECK]
    checked = client.get(page).get_data(as_text=True)
    assert "检查通过：可以导入 3 件" in checked and 'http-equiv="refresh"' not in checked
    assert Document.select().count() == 0

    staged = re.search(r'name="staged" type="hidden" value="([0-9a-f]+)"', checked).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', checked).group(1)
    confirmed = client.post(url + "/confirm", data={"staged": staged, "csrf_token": token})
    again = client.post(url + "/confirm", data={"staged": staged, "csrf_token": token})
    assert confirmed.status_code == again.status_code == 303
    assert confirmed.headers["Location"] == again.headers["Location"]  # one import, not two
    assert "排队等待导入" in client.get(confirmed.headers["Location"]).get_data(as_text=True)
    work(app)

    auth.logout()
    auth.login("secretary")
    done = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "已导入 3 件" in done and "/documents" in done
    assert Document.select().count() == 3
    listed = client.get(url).get_data(as_text=True)
    assert confirmed.headers["Location"] in listed  # the upload page leads back to it


def test_another_user_cannot_follow_someone_elses_import(app, client, auth, world):
    job = jobs.enqueue(tasks.CHECK, world["secretary"], world["a"], {"staged": "0" * 32})
    auth.login("liaison")
    assert client.get(f"/bodies/{world['a'].id}/import/jobs/{job.id}").status_code == 404


def test_a_job_whose_worker_stops_reporting_is_failed_and_can_be_started_again(app, client, auth, world):
    rows = [r[:12] + [""] for r in ROWS]
    staged = staging.stage(app.config["DATA_DIR"], world["secretary"], world["a"], "目录.csv",
                           io.BytesIO(csv_bytes(rows)))
    job = jobs.enqueue(tasks.IMPORT, world["secretary"], world["a"], {"staged": staged.id, "table_name": "目录.csv"})
    assert jobs.claim("elsewhere:1").id == job.id  # a worker took it, then vanished
    assert jobs.reap(jobs.dead_worker_reason(), at=dt.datetime.utcnow() + dt.timedelta(minutes=1)) == 1
    auth.login("secretary")
    page = f"/bodies/{world['a'].id}/import/jobs/{job.id}"
    failed = client.get(page).get_data(as_text=True)
    assert "没有完成" in failed and "没有留下任何改动" in failed and "重新开始" in failed
    assert auth.post(page + "/restart", {}, page=page).status_code == 303
    work(app)
    assert Job.get_by_id(job.id).status == "done" and Document.select().count() == 3


def test_a_worker_killed_mid_import_leaves_nothing_half_done_and_the_job_runs_again(app, world):
    staged = staging.stage(app.config["DATA_DIR"], world["secretary"], world["a"], "目录.csv",
                           io.BytesIO(catalogue()))
    job = jobs.enqueue(tasks.IMPORT, world["secretary"], world["a"], {"staged": staged.id, "table_name": "目录.csv"})
    env = dict(os.environ, PYTHONPATH=str(ROOT), CAPTURE_ENV="development", CAPTURE_SECRET_KEY="test",
               CAPTURE_DATA_DIR=app.config["DATA_DIR"], CAPTURE_DATABASE_URL=app.config["DATABASE_URL"])
    process = subprocess.Popen([sys.executable, "-m", "capture", "worker"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # until it has checked every row and begins to write
            current = Job.get_by_id(job.id)
            if current.status != "queued" and current.total and current.done >= current.total * 2 // 3:
                break
            assert current.status in ("queued", "running"), current.message
            time.sleep(0.02)
        else:
            raise AssertionError("the worker never reached the registration")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert Document.select().count() in (0, MANY)  # all or nothing, never part
    if Job.get_by_id(job.id).status == "running":
        jobs.reap(jobs.dead_worker_reason(), at=dt.datetime.utcnow() + dt.timedelta(minutes=1))
        failed = Job.get_by_id(job.id)
        assert failed.status == "failed" and "中途停止" in failed.message
        assert Document.select().count() == 0
        assert jobs.restart(failed) == 1
        work(app)
    assert Job.get_by_id(job.id).status == "done"
    assert Document.select().count() == MANY
