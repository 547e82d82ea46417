"""A 10,000-row import: quick, all or nothing, 档号 gap-free, and the office keeps working meanwhile."""
import csv
import io
import threading

from capture import audit
from capture.db import db
from capture.models import AuditEvent, Document
from capture.records.imports import importer, sources
from test_api import bearer, token_for
from test_documents import form
from test_import import HEADER

ROWS = 10000


def catalogue(rows=ROWS, title="关于第{n}号事项的通知"):
    """A plain catalogue as an office keeps it: two categories, three retention periods."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(1, rows + 1):
        writer.writerow([n, "", f"沪疫指〔2026〕{n}号", "区防控指挥部", title.format(n=n),
                         f"2026{1 + n % 9:02d}{1 + n % 28:02d}", "", "3", "", ["ZH", ""][n % 2],
                         ["永久", "30年", "10年"][n % 3], "电子", ""])
    return out.getvalue().encode("utf-8")


def run_import(app, world, data):
    header, rows = sources.read_table(data, "目录.csv")
    return importer.run(world["a"], world["secretary"], header, rows, None, app.extensions["store"])


def assert_gap_free(body):
    numbers = {}
    for key, number in Document.select(Document.class_key, Document.item_number).where(
            Document.body == body).tuples():
        numbers.setdefault(key, []).append(number)
    for key, found in numbers.items():
        assert sorted(found) == list(range(1, len(found) + 1)), key


def test_ten_thousand_rows_import_whole_with_gap_free_codes_and_an_intact_audit_trail(app, world):
    report = run_import(app, world, catalogue())
    assert report.ok, report.errors[:3]
    assert len(report.imported) == ROWS == Document.select().count()
    assert len(set(report.imported)) == ROWS
    assert_gap_free(world["a"])
    assert AuditEvent.select().where(AuditEvent.action == "document.register").count() == ROWS
    checked, broken = audit.verify_database()
    assert broken is None and checked == ROWS + 2
    first = Document.get(Document.reference_code == report.imported[0])
    assert (first.title, first.retention, first.category) == ("关于第1号事项的通知", "D30", None)


def test_an_import_that_fails_at_the_end_leaves_nothing(app, world, monkeypatch):
    def failing(*args, **kwargs):
        raise RuntimeError("the disk went away during the audit")
    monkeypatch.setattr(audit, "record_many", failing)
    try:
        run_import(app, world, catalogue(300))
    except RuntimeError:
        pass
    assert Document.select().count() == 0 and AuditEvent.select().count() == 1  # body.create


def test_api_reads_and_a_web_registration_are_answered_while_an_import_writes(app, client, auth, world):
    raw = token_for(world["secretary"])
    auth.login("secretary")
    data = catalogue()
    outcome = {}

    def importing():
        with app.app_context(), db.connection_context():
            outcome["report"] = run_import(app, world, data)

    worker = threading.Thread(target=importing, daemon=True)
    worker.start()
    answers = []
    while worker.is_alive() and len(answers) < 40:
        answers.append(client.get(f"/api/v1/bodies/{world['a'].id}/documents",
                                  headers=bearer(raw)).status_code)
    registered = auth.post(f"/bodies/{world['a'].id}/documents/new",
                           form(title="导入期间登记的会议纪要"), content_type="multipart/form-data")
    worker.join(timeout=300)
    assert not worker.is_alive() and outcome["report"].ok
    assert set(answers) == {200}
    assert registered.status_code in (200, 302) and "系统正忙" not in registered.get_data(as_text=True)
    assert Document.select().where(Document.title == "导入期间登记的会议纪要").count() == 1
    assert Document.select().count() == ROWS + 1
    assert_gap_free(world["a"])
