"""Jobs that say why they wait: a job no worker takes says on its page that no worker runs and
how to start one; the development server starts its in-process worker however it is started."""
import datetime as dt
import threading
import time

from capture import create_app, jobs
from capture.db import db
from capture.clock import utc_now
from capture.models import Job, User
from capture.ops import fixity

HINT = "capture worker"


def _queued_pass(auth):
    auth.login("admin")
    return auth.post("/admin/fixity", {}).headers["Location"]


def _waited(**delta):
    with db.connection_context():
        Job.update(created_at=utc_now() - dt.timedelta(**delta)).execute()


def test_a_job_no_worker_takes_says_so_and_how_to_start_one(app, client, auth, world):
    page = _queued_pass(auth)
    assert HINT not in client.get(page).get_data(as_text=True)  # a worker may take it any moment
    _waited(seconds=jobs.UNCLAIMED_SECONDS + 1)
    text = client.get(page).get_data(as_text=True)
    assert HINT in text and "没有运行 worker" in text
    auth.post("/language", {"language": "en", "next": "/"}, page="/")
    assert "no worker is running" in client.get(page).get_data(as_text=True)


def test_a_job_waiting_behind_a_running_one_does_not_claim_there_is_no_worker(app, client, auth, world):
    page = _queued_pass(auth)
    _waited(minutes=1)
    with db.connection_context():
        jobs.enqueue("import.check", User.get(User.username == "admin"))
        Job.update(status="running", heartbeat_at=utc_now()).where(Job.kind == "import.check").execute()
    assert HINT not in client.get(page).get_data(as_text=True)


def _worker_threads():
    return [t for t in threading.enumerate() if t.name == "capture-worker" and t.is_alive()]


def test_the_development_server_however_started_runs_the_queued_jobs(app, world):
    # `flask --app capture run` builds the app with the factory and serves it with Werkzeug; so
    # does run.py. Neither a test app nor another server (gunicorn) starts a worker.
    settings = {k: app.config[k] for k in ("DATA_DIR", "DATABASE_URL", "SECRET_KEY")}
    served = create_app(settings)
    served.test_client().get("/healthz", environ_base={"SERVER_SOFTWARE": "gunicorn/23.0.0"})
    app.test_client().get("/healthz", environ_base={"SERVER_SOFTWARE": "Werkzeug/3.1.3"})
    assert _worker_threads() == []
    client = served.test_client()
    for _ in range(2):  # one worker, however many requests
        client.get("/healthz", environ_base={"SERVER_SOFTWARE": "Werkzeug/3.1.3"})
    assert len(_worker_threads()) == 1
    try:
        with db.connection_context():
            job = jobs.enqueue(fixity.KIND, User.get(User.username == "admin"))
        deadline = time.monotonic() + 120  # how long the job takes is not what is checked here
        while True:
            with db.connection_context():
                status = Job.get_by_id(job.id).status
            if status == "done" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status == "done"
    finally:
        served.extensions["capture.worker"].set()
        for thread in _worker_threads():
            thread.join()
