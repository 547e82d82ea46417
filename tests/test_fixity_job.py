"""The full fixity pass as a background job: an administrator starts it from the web, the page
follows its progress, survives a logout, and ends with every damaged or missing file and the
档号 of the documents holding it; a worker that dies leaves it failed, to be started again."""
import datetime as dt
import re
import threading

import pytest

from capture import jobs, schema
from capture.db import db
from capture.models import AuditEvent, Document, Job, Notification
from capture.clock import utc_now
from capture.ops import fixity
from test_fixity import damage, register
from test_import_jobs import work
from test_languages import CJK

from conftest import csrf_token

START = "/admin/fixity"


def _start(auth):
    started = auth.post(START, {})
    assert started.status_code == 303
    return started.headers["Location"]


def test_admin_starts_a_full_pass_and_its_page_names_each_damaged_file_with_its_documents(app, client, auth, world):
    store = app.extensions["store"]
    intact = register(app, world, b"intact minutes", 1)
    damaged = register(app, world, b"minutes that will rot", 2)
    missing = register(app, world, b"never stored", 3, store=False)
    damage(app, damaged)
    auth.login("admin")
    assert "文件完整性检查" in client.get("/admin/users").get_data(as_text=True)  # the way in
    page = _start(auth)
    waiting = client.get(page).get_data(as_text=True)
    assert "排队等待检查" in waiting and 'http-equiv="refresh"' in waiting

    assert [job.kind for job in work(app)] == [fixity.KIND]
    auth.logout()
    auth.login("admin")
    done = client.get(page).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in done
    assert "发现 1 个文件损坏、1 个文件缺失" in done and "已检查 3 个文件" in done
    for digest, number in ((damaged, 2), (missing, 3)):
        document = Document.get(Document.reference_code == f"J001-WS·2026-D30-ZH-{number:04d}")
        assert digest in done
        assert (f'<a href="/bodies/{world["a"].id}/documents/{document.id}">'
                f"J001-WS·2026-D30-ZH-{number:04d}</a>") in done
    assert intact not in done and "J001-WS·2026-D30-ZH-0001" not in done

    job = Job.get(Job.kind == fixity.KIND)
    stored = store.size_of(intact) + store.size_of(damaged)
    assert (job.status, job.done, job.total) == ("done", 3, 3)
    assert job.done_bytes == job.total_bytes == stored
    note = Notification.get(Notification.user == world["admin"], Notification.kind == "fixity")
    assert note.link == page and "J001-WS·2026-D30-ZH-0002" in note.message
    event = AuditEvent.get(AuditEvent.action == "fixity.check")
    assert event.user_id == world["admin"].id and event.object_id == str(job.id)
    assert AuditEvent.select().where(AuditEvent.action == "fixity.damage").exists()
    listed = client.get(START).get_data(as_text=True)
    assert page in listed and "1 个损坏、1 个缺失" in listed  # the passes before, linked


def test_a_pass_over_an_intact_store_says_so_and_notifies_no_one(app, client, auth, world):
    register(app, world, b"intact minutes", 1)
    register(app, world, b"intact photo", 2)
    auth.login("admin")
    page = _start(auth)
    work(app)
    assert "全部 2 个文件完好" in client.get(page).get_data(as_text=True)
    assert not Notification.select().exists()
    assert AuditEvent.get(AuditEvent.action == "fixity.check").user_id == world["admin"].id


def test_the_page_shows_files_and_bytes_done_of_total_while_the_pass_runs(app, client, auth, world):
    auth.login("admin")
    page = _start(auth)
    job = jobs.claim("worker:1")
    jobs.Progress(job)(1, 3, done_bytes=2048, total_bytes=3 * 1024 * 1024)
    running = client.get(page).get_data(as_text=True)
    assert "正在检查" in running and 'http-equiv="refresh"' in running
    assert "已检查 1 / 3 个文件" in running and "2.0 KB / 3.0 MB" in running
    assert re.search(r'<progress[^>]*value="2048" max="3145728"', running)


def test_check_reports_its_progress_file_by_file(app, world):
    for n in (1, 2, 3):
        register(app, world, b"x" * n, n)  # files of 1, 2 and 3 bytes
    seen = []
    report = fixity.check(app.extensions["store"],
                          progress=lambda done, total, **kw: seen.append((done, total, kw["done_bytes"])))
    assert report.size == 6
    assert seen == [(0, 3, 0), (1, 3, 1), (2, 3, 3), (3, 3, 6)]


def test_a_second_start_while_a_pass_is_under_way_shows_that_pass(app, client, auth, world):
    auth.login("admin")
    first = _start(auth)
    assert _start(auth) == first  # queued: the same pass
    jobs.claim("worker:1")
    assert _start(auth) == first  # running: still the same pass
    assert Job.select().where(Job.kind == fixity.KIND).count() == 1
    index = client.get(START).get_data(as_text=True)
    assert "查看正在进行的检查" in index and first in index and 'action="/admin/fixity"' not in index


@pytest.mark.parametrize("role", ("liaison", "secretary", "transfer_officer", "viewer"))
def test_only_an_administrator_may_run_a_full_pass(app, client, auth, world, role):
    job = jobs.enqueue(fixity.KIND, world["admin"])
    auth.login(role)
    assert client.get(START).status_code == 403
    token = csrf_token(client.get("/"))
    assert client.post(START, data={"csrf_token": token}).status_code == 403
    assert client.get(f"{START}/jobs/{job.id}").status_code == 403
    assert Job.select().count() == 1


def test_starting_needs_the_forms_token(app, client, auth, world):
    auth.login("admin")
    assert client.post(START, data={}).status_code == 400
    assert not Job.select().exists()


def _worker_died(job):
    """As if the worker that claimed the job had been killed a minute ago."""
    Job.update(heartbeat_at=utc_now() - dt.timedelta(minutes=1)).where(Job.id == job.id).execute()


def test_a_pass_whose_worker_died_is_failed_with_the_reason_and_can_be_started_again(app, client, auth, world):
    damaged = register(app, world, b"minutes that will rot", 1)
    damage(app, damaged)
    auth.login("admin")
    page = _start(auth)
    _worker_died(jobs.claim("elsewhere:1"))
    failed = client.get(page).get_data(as_text=True)
    assert "检查没有完成" in failed and "中途停止" in failed and "重新开始" in failed
    assert Job.get(Job.kind == fixity.KIND).status == "failed"
    again = auth.post(page + "/restart", {}, page=page)
    assert again.status_code == 303 and again.headers["Location"] == page
    work(app)
    assert Job.get_by_id(int(page.rsplit("/", 1)[1])).status == "done"
    assert "发现 1 个文件损坏、0 个文件缺失" in client.get(page).get_data(as_text=True)


def test_a_dead_workers_pass_does_not_block_a_new_one(app, client, auth, world):
    auth.login("admin")
    first = _start(auth)
    _worker_died(jobs.claim("elsewhere:1"))
    second = _start(auth)
    assert second != first
    assert [j.status for j in Job.select().order_by(Job.id)] == ["failed", "queued"]
    # Starting the failed one again now follows the pass under way instead of making two.
    assert auth.post(first + "/restart", {}, page=first).headers["Location"] == second


def test_an_existing_database_gains_the_jobs_byte_columns(app):
    with db.connection_context():
        for column in ("done_bytes", "total_bytes"):
            db.execute_sql(f"ALTER TABLE job DROP COLUMN {column}")
        db.execute_sql("DELETE FROM schema_migration WHERE name = '0007_job_bytes'")
        assert schema.migrate() == ["0007_job_bytes"]
        assert {"done_bytes", "total_bytes"} <= {c.name for c in db.get_columns("job")}


def test_the_pass_pages_speak_english_to_an_english_reader(app, client, auth, world):
    damaged = register(app, world, b"minutes that will rot", 1)
    damage(app, damaged)
    register(app, world, b"never stored", 2, store=False)
    auth.login("admin")
    auth.post("/language", {"language": "en", "next": "/"}, page="/")
    page = _start(auth)
    job = jobs.claim("worker:1")
    jobs.Progress(job)(1, 2, done_bytes=10, total_bytes=20)
    running = client.get(page).get_data(as_text=True)
    assert "1 of 2 files checked" in running
    jobs.fail(job, "stopped")  # that worker stops; a real one does the pass
    jobs.restart(job)
    work(app)
    shown = {url: client.get(url).get_data(as_text=True) for url in (START, page)}
    assert "Found 1 damaged and 1 missing files" in shown[page] and "Held by (reference code)" in shown[page]
    for url, html in {**shown, "running": running}.items():
        text = re.sub(r"<[^>]+>", " ", html).replace("中文", "")  # the language switch
        assert not CJK.findall(text), (url, CJK.findall(text))


def test_administrators_starting_at_the_same_moment_start_one_pass(app, world):
    # Without the lock, some of these runs made two passes (each read "none under way" first).
    barrier, started = threading.Barrier(6), []

    def click():
        with app.app_context(), db.connection_context():
            barrier.wait()
            started.append(fixity.start(world["admin"]).id)

    threads = [threading.Thread(target=click) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(started)) == 1 and Job.select().count() == 1
