"""The dissolution and transfer pages: who may do what, dissolving, commitments, export, receipt."""
import datetime as dt
import re
import io
import os
import zipfile
from html import unescape

import bagit
import pytest

from capture.models import (AuditEvent, Body, ChronicleEntry, Commitment, FondsDescription,
                            Membership, Notification, ScopeItem, Transfer)
from capture.transfer import packaging, verify

from conftest import make_user
from test_import_jobs import work
from transfer_support import flood_body, register


@pytest.fixture
def flood(app):
    body, secretary, docs = flood_body(app)
    make_user("officer", "transfer_officer", display_name="赵移交")
    Membership.create(user=secretary, body=body, role="secretary")
    return body, secretary, docs


def test_secretary_sees_the_page_but_cannot_run_the_check(client, auth, flood):
    body, _, _ = flood
    auth.login("chen")
    page = client.get(f"/bodies/{body.id}/transfer")
    assert page.status_code == 200 and "运行检测" not in page.get_data(as_text=True)
    assert auth.post(f"/bodies/{body.id}/transfer/check", page=f"/bodies/{body.id}/transfer").status_code == 403
    assert client.get("/transfers").status_code == 403


def test_a_body_of_someone_else_is_not_found(client, auth, world):
    auth.login("secretary")
    assert client.get(f"/bodies/{world['b'].id}/transfer").status_code == 404
    assert client.get(f"/bodies/{world['b'].id}/transfer/report").status_code == 404


def test_liaison_dissolves_a_body_which_locks_categories_and_prompts_the_final_checkin(app, client, auth, world):
    body = world["a"]
    notice = register(app.extensions["store"], body, world["secretary"], "关于撤销工作组的通知")
    auth.login("liaison")
    url = f"/bodies/{body.id}/transfer"
    bad = auth.post(f"{url}/dissolve", {"dissolved_on": "2025-01-01", "notice": notice.id}, page=url)
    assert bad.status_code == 400 and "撤销日期不能早于成立日期" in bad.get_data(as_text=True)
    confirm = auth.post(f"{url}/dissolve", {"dissolved_on": "2026-10-31", "notice": notice.id}, page=url)
    assert confirm.status_code == 200 and "分类锁定" in confirm.get_data(as_text=True)
    assert Body.get_by_id(body.id).status == "active"  # nothing happens before the confirmation
    response = auth.post(f"{url}/dissolve", {"dissolved_on": "2026-10-31", "notice": notice.id,
                                             "confirmed": "1"}, page=url)
    assert response.status_code == 302
    body = Body.get_by_id(body.id)
    assert body.status == "dissolving" and body.dissolved_on == dt.date(2026, 10, 31)
    assert body.dissolution_notice_id == notice.id
    assert Notification.get(Notification.user == world["liaison"]).kind == "final_checkin"
    assert AuditEvent.get(AuditEvent.action == "body.dissolve").body_id == body.id
    from capture.people import auth as permissions
    assert not permissions.can(world["liaison"], "category.edit", body)
    assert auth.post(f"{url}/confirm", page=url).status_code == 302
    assert Body.get_by_id(body.id).status == "dissolved"


def test_fonds_descriptions_and_chronicle_are_edited_and_exported(client, auth, flood):
    body, _, _ = flood
    auth.login("chen")
    url = f"/bodies/{body.id}/transfer/descriptions"
    page = client.get(url).get_data(as_text=True)
    assert "牵头成立区防汛防台指挥部临时工作组" in page  # drafted from the facts
    auth.post(url, {"kind": "event", "event-date": "2026-07-30", "event-event": "启动防台Ⅱ级响应"})
    entry = ChronicleEntry.get()
    assert entry.event == "启动防台Ⅱ级响应"
    auth.post(url, {"kind": "history", "history-text": "2026年6月1日成立。"})
    assert FondsDescription.get(FondsDescription.kind == "history").text == "2026年6月1日成立。"
    auth.post(f"{url}/{entry.id}", {"date": "2026-07-31", "event": "启动防台Ⅰ级响应"})
    assert ChronicleEntry.get().event == "启动防台Ⅰ级响应"
    assert AuditEvent.get(AuditEvent.action == "chronicle.edit").details.count("Ⅱ") == 1
    docx = client.get(f"{url}.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"


def test_commitment_round_trip_ends_in_a_supplementary_package(app, client, auth, runner, flood, tmp_path):
    body, secretary, docs = flood
    summary_scope = ScopeItem.get(ScopeItem.body == body, ScopeItem.name == "工作总结")
    summary_doc = next(d for d in docs if d.scope_item_id == summary_scope.id)
    summary_doc.scope_item = None  # the summary is not in yet
    summary_doc.save()
    auth.login("officer")
    url = f"/bodies/{body.id}/transfer"
    auth.post(f"{url}/check", page=url)
    report = client.get(f"{url}/report").get_data(as_text=True)
    assert "归档范围要求的“工作总结”尚无已登记的文件" in report
    assert auth.post(f"{url}/export", page=url).status_code == 302
    work(app)  # what `capture worker` does
    assert Transfer.get().status == "failed" and "工作总结" in Transfer.get().message
    page = client.get(url).get_data(as_text=True)
    assert "检测有 1 项不通过且未作承诺，不能导出：归档范围要求的“工作总结”尚无已登记的文件" in page
    auth.post("/language", {"language": "en", "next": url}, page=url)
    page = client.get(url).get_data(as_text=True)
    assert ("Failures of the check neither fixed nor covered by a commitment: 1; the package cannot be "
            "exported: \"工作总结\", required by the archiving scope, has no registered document") in unescape(page)
    auth.post("/language", {"language": "zh_Hans", "next": url}, page=url)

    key = f"COMP-SCOPE:s{summary_scope.id}"
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = auth.post(f"{url}/commitments/new?key={key}",
                         {"key": key, "what": "工作总结待领导签发后补交", "promised_by": "陈文书（办公室）",
                          "due": due})
    assert response.status_code == 302
    commitment = Commitment.get()
    assert commitment.check_code == key and commitment.status == "open"
    assert "已作限时承诺" in client.get(f"{url}/report").get_data(as_text=True)

    auth.post(f"{url}/export", page=url)
    work(app)  # what `capture worker` does
    full = Transfer.get(Transfer.status == "exported")
    assert not full.package_path.startswith("/")  # kept relative to the data folder
    package = os.path.join(app.config["DATA_DIR"], full.package_path)
    assert verify.verify(package).valid
    with zipfile.ZipFile(package) as archive:
        assert any(n.endswith("data/forms/commitments.docx") for n in archive.namelist())
    download = client.get(f"{url}/{full.id}/package")
    assert download.status_code == 200 and download.data == open(package, "rb").read()
    auth.post(f"{url}/{full.id}/receive", page=url)
    assert Body.get_by_id(body.id).status == "dissolved"  # a promise is still open

    summary = register(app.extensions["store"], body, secretary, "2026年防汛防台工作总结",
                       scope="工作总结", date=dt.date(2026, 10, 20))
    assert auth.post(f"{url}/commitments/{commitment.id}/fulfil", {"document": summary.id},
                     page=url).status_code == 302
    commitment = Commitment.get_by_id(commitment.id)
    assert commitment.status == "fulfilled" and commitment.document_id == summary.id

    result = runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    supplement = Transfer.get(Transfer.kind == "supplementary")
    bag = bagit.Bag(os.path.join(app.config["DATA_DIR"], supplement.package_path))
    assert bag.validate() and bag.info["Item-Count"] == "1"
    assert [p for p in bag.payload_entries() if p.startswith("data/files/")] == [
        f"data/files/{summary.reference_code}/01-文件.pdf"]
    assert runner.invoke(args=["verify", os.path.join(app.config["DATA_DIR"], supplement.package_path)]).exit_code == 0
    packaging.mark_received(supplement, None)
    assert Body.get_by_id(body.id).status == "transferred"
    assert client.get(url).status_code == 200  # still readable, now read-only
    assert auth.post(f"{url}/check", page=url).status_code == 403


def test_failures_that_a_promise_cannot_cover_are_refused(app, client, auth, flood):
    body, _, docs = flood
    from capture.models import File

    from transfer_support import flip_byte
    flip_byte(app.extensions["store"].path(File.get(File.document == docs[0]).sha256))
    auth.login("officer")
    url = f"/bodies/{body.id}/transfer"
    auth.post(f"{url}/check", page=url)
    report = client.get(f"{url}/report").get_data(as_text=True)
    assert "须修复后重新检测" in report and docs[0].reference_code in report
    key = f"AUTH-DIGEST:f{File.get(File.document == docs[0]).id}"
    auth.post(f"{url}/commitments/new?key={key}", {"key": key, "what": "x", "promised_by": "y",
                                                    "due": "2099-01-01"})
    assert Commitment.select().count() == 0


def test_export_page_shows_progress_and_a_second_click_starts_nothing(app, client, auth, flood):
    body, _, _ = flood
    auth.login("officer")
    url = f"/bodies/{body.id}/transfer"
    packaging.claim(body, None, "测试员")  # an export is running
    page = client.get(url).get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in page and "<progress" in page
    response = auth.post(f"{url}/export", page=url, follow_redirects=True)
    assert "正在导出" in response.get_data(as_text=True)
    assert Transfer.select().count() == 1


def test_the_archive_verifies_an_uploaded_package(app, client, auth, flood, tmp_path):
    body, _, _ = flood
    from transfer_support import export_folder
    result = export_folder(app, body, tmp_path, zip_package=True)
    auth.login("officer")
    data = {"package": (open(result.path, "rb"), result.path.name), "digest": result.sha256}
    queued = auth.post("/transfers/verify", data, page="/transfers", content_type="multipart/form-data")
    assert queued.status_code == 303  # answered at once; a worker verifies it
    assert "排队等待校验" in client.get(queued.headers["Location"]).get_data(as_text=True)
    work(app)
    page = client.get(queued.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "校验通过" in html and result.sha256 in html
    assert queued.headers["Location"] in client.get("/transfers").get_data(as_text=True)
    broken = io.BytesIO(result.path.read_bytes().replace(b"%%EOF", b"%%EOX", 1))
    queued = auth.post("/transfers/verify", {"package": (broken, "x.zip")}, page="/transfers",
                       content_type="multipart/form-data")
    work(app)
    html = client.get(queued.headers["Location"]).get_data(as_text=True)
    assert "校验未通过" in html and "文件已损坏" in html and "data/files/" in html
    html = verified(app, client, auth, {"package": (open(result.path, "rb"), result.path.name),
                                        "digest": "0" * 64})
    assert "填写的摘要 " + "0" * 64 in html and "命令行" not in html  # typed into a form, not a command
    html = verified(app, client, auth, {"package": (io.BytesIO(b"not a zip"), "x.zip")})
    assert "压缩包不完整或已损坏" in html and "File is not a zip file" not in html
    auth.post("/language", {"language": "en", "next": "/transfers"}, page="/transfers")
    html = verified(app, client, auth, {"package": (open(result.path, "rb"), result.path.name),
                                        "digest": "0" * 64})
    assert "The digest typed in " + "0" * 64 + " differs from the actual digest" in html
    assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"<[^>]+>", "", html[html.index("<main"):]).replace(
        result.path.name, "").replace("中文", ""))  # no Chinese but the switch to it


def verified(app, client, auth, data):
    """The verdict page of a package sent to the verify form, once a worker has checked it."""
    queued = auth.post("/transfers/verify", data, page="/transfers", content_type="multipart/form-data")
    assert queued.status_code == 303  # answered at once; a worker verifies it
    work(app)
    return client.get(queued.headers["Location"]).get_data(as_text=True)


def test_the_demo_leaves_the_flood_task_force_dissolved_and_ready_to_export(app, runner, tmp_path):
    assert runner.invoke(args=["demo"]).exit_code == 0
    body = Body.get(Body.code == "FXQX")
    assert body.status == "dissolved" and body.dissolution_notice_id is not None
    assert ChronicleEntry.select().where(ChronicleEntry.body == body).count() >= 3
    assert runner.invoke(args=["check", "FXQX", "--operator", "测试员"]).exit_code == 0
    result = runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(tmp_path), "--zip"])
    assert result.exit_code == 0, result.output
    assert verify.verify(next(tmp_path.glob("*.zip"))).valid


def test_an_export_whose_worker_died_is_shown_as_interrupted_and_can_be_retried(client, auth, flood):
    body, _, _ = flood
    transfer = packaging.claim(body, None, "测试员")
    transfer.worker = f"{__import__('socket').gethostname()}:999999"  # a process that is gone
    transfer.save()
    auth.login("officer")
    page = client.get(f"/bodies/{body.id}/transfer").get_data(as_text=True)
    assert "导出已中断" in page and '<meta http-equiv="refresh"' not in page
    assert packaging.claim(body, None, "测试员").id == transfer.id  # the retry takes the same transfer over


def test_the_verify_page_speaks_the_users_language_and_escapes_names(app, client, auth, flood, tmp_path):
    from capture.models import User
    User.update(language="en").where(User.username == "officer").execute()
    auth.login("officer")
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("bag/bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        archive.writestr("bag/manifest-sha256.txt", "")
        archive.writestr("bag/data/evil\n\u202etxt.exe", "x")
    package.seek(0)
    html = verified(app, client, auth, {"package": (package, "x.zip")})
    assert "Extra file: data/evil\\n\\u202etxt.exe" in html and "\u202e" not in html
    truncated = io.BytesIO(b"PK\x03\x04" + b"\x00" * 100)
    assert "The zip file is incomplete or damaged" in verified(app, client, auth, {"package": (truncated, "cut.zip")})


def test_a_verification_that_failed_says_so_in_the_users_language(app, client, auth, flood, monkeypatch):
    from capture.models import User
    from capture.transfer import verify_task

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")
    monkeypatch.setattr(verify_task.verifier, "verify", broken)
    User.update(language="en").where(User.username == "officer").execute()
    auth.login("officer")
    html = verified(app, client, auth, {"package": (io.BytesIO(b"PK"), "x.zip")})
    assert "Something went wrong: RuntimeError. Nothing was changed" in html and "出错了" not in html
    User.update(language="zh_Hans").where(User.username == "officer").execute()
    html = client.get(re.search(r'action="(/transfers/verify/jobs/\d+)/restart"', html).group(1)).get_data(as_text=True)
    assert "出错了：RuntimeError。" in html  # kept as a message, read in whichever language the reader has now


def test_the_check_report_reads_like_a_report_failures_first_passes_folded(client, auth, flood):
    body, secretary, docs = flood
    summary_scope = ScopeItem.get(ScopeItem.body == body, ScopeItem.name == "工作总结")
    next(d for d in docs if d.scope_item_id == summary_scope.id).update(scope_item=None).execute()
    auth.login("officer")
    url = f"/bodies/{body.id}/transfer"
    auth.post(f"{url}/check", page=url)
    html = client.get(f"{url}/report").get_data(as_text=True)
    fail, passed = html.index(">不通过（"), html.index('<details class="finding-group"><summary>通过（')
    assert html.index("逐项结果") < fail < passed  # the summary, then failures, then the passes folded
    assert re.search(r'<ul class="findings compact">\s*<li class="finding finding-fail">', html)
    # A finding is one paragraph and its meta on the same line, not a block per detail.
    first = re.search(r'<li class="finding finding-fail">(.*?)</li>', html, re.S).group(1)
    assert first.count("<p>") == 1 and "finding-head" not in first
