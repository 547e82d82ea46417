"""Two complete languages: an English page shows no Chinese but the users' own data, and a Chinese
page no English but the users' data and the names of things (formats, standards, codes)."""
import json
import re
from pathlib import Path

import pytest
from test_browser_csp import _pages

from capture import jobs, models as m
from capture.db import db
from capture.i18n import N_
from capture.ops import demo
from capture.transfer import packaging, verify_task

from conftest import AuthActions, csrf_token

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff01-\uff5e]+")
ENGLISH_WORD = re.compile(r"\b[A-Za-z][a-z]{2,}\b")
# English that a Chinese page may show: the other language's switch, formats, standards, products.
NAMES = {"English", "ClamAV", "Excel", "BagIt", "Bearer", "Authorization", "Content", "Type",
         "Idempotency", "Key", "Word", "Acrobat", "Portable", "Document", "Format", "Joint",
         "Photographic", "Experts", "Group", "Tagged", "Image", "File", "Interchange", "Network",
         "Graphics", "MPEG", "Audio", "Layer", "Video", "Open", "Office", "Spreadsheet", "Json",
         "None", "Null", "True", "False", "Markdown", "Zip", "zip", "Archive", "Unicode", "Outlook",
         "clamscan", "Bearer", "Body"}
# Columns whose text people typed (or the demo typed for them): user data in any language.
DATA = [(m.Body, ("name", "lead_org", "custodian", "contact_person", "default_responsible")),
        (m.User, ("display_name", "username", "email")),
        (m.Category, ("name",)), (m.ScopeItem, ("name",)),
        (m.Document, ("title", "responsible", "doc_number", "remarks", "withdrawn_reason")),
        (m.File, ("original_name", "format_name")),
        (m.CheckIn, ("place", "contact_person", "reason", "notes", "findings")),
        (m.FollowUp, ("action", "owner")), (m.Commitment, ("what", "promised_by")),
        (m.ChronicleEntry, ("event",)), (m.FondsDescription, ("text",)),
        (m.Notification, ("message",)), (m.ApiToken, ("label",)),
        (m.Playbook, ("name", "name_en")), (m.PlaybookVersion, ("reason",))]


def strings_in(value):
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def user_data():
    """What people typed, longest first (so a title goes before a word inside it). A check
    finding's or a verification's values are not taken as data wholesale: a value built in code
    (a clause, a list joined with 、) is just what the crawl must catch."""
    found = set()
    for model, columns in DATA:
        for row in model.select(*[getattr(model, c) for c in columns]).tuples():
            found.update(v for v in row if v)
    for (details,) in m.AuditEvent.select(m.AuditEvent.details).tuples():
        found.update(strings_in(json.loads(details)))
    for (content,) in m.PlaybookVersion.select(m.PlaybookVersion.content).tuples():
        found.update(strings_in(json.loads(content)))  # the archive's own playbooks
    for (given,) in m.Job.select(m.Job.params).where(m.Job.kind == verify_task.KIND).tuples():
        found.add(json.loads(given).get("name"))  # the uploaded file's name
    return sorted((s for s in found if isinstance(s, str) and s.strip()), key=len, reverse=True)


def words_on(html, data, other="zh-CN"):
    """The text a person sees (attributes they read included), without the users' data and
    without what is marked as written in the other language on purpose (lang="…")."""
    html = re.sub(r"<(script|style|pre|code)\b.*?</\1>", " ", html, flags=re.S)  # code: identifiers
    html = re.sub(r'<(td|span|dd|a)\b[^>]*class="[^"]*\bmono\b[^"]*"[^>]*>.*?</\1>', " ", html, flags=re.S)
    html = re.sub(r'<(span|div|textarea)\b[^>]*\blang="%s"[^>]*>.*?</\1>' % other, " ", html, flags=re.S)
    html = re.sub(r"<details class=\"raw\">.*?</details>", " ", html, flags=re.S)  # stored records
    shown = re.findall(r'(?:placeholder|title|aria-label|alt)="([^"]*)"', html)
    text = re.sub(r"<[^>]+>", " ", html) + " " + " ".join(shown)
    text = text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"')
    for value in data:
        text = text.replace(value, " ")
        for shown in (6, 13):  # a chart's label cut short (charts.rows)
            text = text.replace(value[:shown] + "…", " ")
    return text


def crawl(client, app, language, credentials):
    """{url: what it shows} for every GET page, as each demo role, in `language`."""
    pages = {}
    for role in ("admin", "liaison", "secretary", "transfer", "viewer"):
        auth = AuthActions(client)
        auth.login(role, credentials[role])
        auth.post("/language", {"language": language, "next": "/"}, page="/")
        with db.connection_context():
            urls = _pages(app) + ["/bodies/2/transfer/report", "/bodies/2/audit", "/notifications"] + [
                f"/transfers/verify/jobs/{job.id}" for job in m.Job.select().where(m.Job.kind == verify_task.KIND)]
        for url in urls:
            response = client.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                pages[f"{role} {url}"] = response.get_data(as_text=True)
        auth.logout()
    return pages


@pytest.fixture
def demo_world(app, runner):
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
    with app.app_context(), db.connection_context():
        body = m.Body.get(m.Body.code == "FXQX")
        officer = m.User.get(m.User.username == "transfer")
        seed_findings(body)
        packaging.run_check(body, officer, app.extensions["store"])
        keep_an_old_report_finding(body)
        seed_verifications(officer, app.config["DATA_DIR"])
    return credentials


def seed_findings(body):
    """Findings whose words are built from parts: values out of rule and an overlong field (a
    sub-problem each, the field named by its label), a duplicate (a list of 档号), a gap."""
    first, second, third, *_rest = m.Document.select().where(
        m.Document.body == body, m.Document.status == "registered").order_by(m.Document.id)
    m.Document.update(retention="Z", security="X9", year=1800, remarks="注" * 2001).where(
        m.Document.id == first.id).execute()
    m.Document.update(doc_number=second.doc_number or "X-1", title=second.title).where(
        m.Document.id.in_([second.id, third.id])).execute()
    m.Document.update(item_number=m.Document.item_number + 40).where(m.Document.id == third.id).execute()


def keep_an_old_report_finding(body):
    """A finding as reports kept it before findings had msgids: only the Chinese it was written in."""
    transfer = packaging.open_transfer(body)
    report = json.loads(transfer.check_report)
    report["findings"].insert(0, {"code": "AUTH-FIELD", "severity": "fail", "subject": "J0001",
                                  "message": "J0001：年度或页数超出范围", "key": "AUTH-FIELD:old",
                                  "committed": False, "property": "authenticity"})
    m.Transfer.update(check_report=json.dumps(report, ensure_ascii=False)).where(m.Transfer.id == transfer.id).execute()


def seed_verifications(officer, data_dir):
    """Received packages refused for reasons with names in them, and a verification that failed."""
    for n, declaration in enumerate(("", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")):
        root = Path(data_dir) / "verify" / f"language-{n}" / "bag"  # the job removes its folder
        (root / "data").mkdir(parents=True)
        (root / "data" / "Report.txt").write_bytes(b"1")
        (root / "data" / "report.txt").write_bytes(b"2")
        (root / "bagit.txt").write_text(declaration)
        (root / "manifest-sha256.txt").write_text("")
        (root / "bag-info.txt").write_text("Bag-Count: 1\n")
        (root / "tagmanifest-sha256.txt").write_text("0" * 64 + "  manifest-sha256.txt\n")
        job = jobs.enqueue(verify_task.KIND, officer, None, {"path": str(root), "name": "bag", "digest": "ab"})
        verify_task.run(job, None)
    jobs.fail(jobs.enqueue(verify_task.KIND, officer, None, {"name": "cut.zip"}),
              N_("出错了：%(reason)s。没有留下任何改动，可以重新开始；如反复出现，请告诉管理员。"),
              reason="RuntimeError")


def test_english_pages_show_no_chinese_but_the_users_data(app, client, demo_world):
    pages = crawl(client, app, "en", demo_world)
    with db.connection_context():
        data = user_data()
    slips = {}
    for page, html in pages.items():
        found = sorted(set(CJK.findall(words_on(html, data).replace("中文", " "))))  # the switch
        if found:
            slips[page] = found[:8]
    assert len(pages) > 60
    assert not slips, "\n".join(f"{k}: {v}" for k, v in slips.items())


def test_chinese_pages_show_no_english_but_the_users_data(app, client, demo_world):
    pages = crawl(client, app, "zh_Hans", demo_world)
    with db.connection_context():
        data = user_data()
    slips = {}
    for page, html in pages.items():
        if page.endswith("/api/v1/docs"):
            continue  # a page for programmers: field names and HTTP words in its prose
        text = words_on(html, data, other="en")
        # Addresses, codes, formats and HTTP header names (Retry-After) are names, not English.
        text = re.sub(r"\S*[/@.:_#+]\S*|\b[A-Z0-9-]{2,}\b|\b[A-Z][a-z]+(?:-[A-Z][a-z]+)+\b", " ", text)
        found = sorted({w for w in ENGLISH_WORD.findall(text) if w not in NAMES})
        if found:
            slips[page] = found[:8]
    assert not slips, "\n".join(f"{k}: {v}" for k, v in slips.items())


def test_the_login_prompt_after_logout_is_in_the_pages_language(client, world):
    page = client.get("/bodies", follow_redirects=True).get_data(as_text=True)
    assert "请先登录。" in page and "Please log in to access this page" not in page
    login_page = client.get("/login")
    client.post("/language", data={"language": "en", "next": "/login", "csrf_token": csrf_token(login_page)})
    page = client.get("/bodies", follow_redirects=True).get_data(as_text=True)
    assert "Please log in first." in page


def test_sizes_are_written_one_way_in_each_language(app):
    from capture.i18n import size_text
    with app.test_request_context():
        assert [size_text(n) for n in (607, 16_283, 5 * 1024 * 1024)] == ["607 字节", "15.9 KB", "5.0 MB"]
    app.config["LANGUAGE"] = "en"
    with app.test_request_context():
        assert [size_text(n) for n in (607, 16_283)] == ["607 bytes", "15.9 KB"]
