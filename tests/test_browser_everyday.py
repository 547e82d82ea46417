"""In Chromium, as the roles use it every day: big results lead with the decision, every problem
comes in the first answer, pickers search instead of listing thousands, both languages hold."""
import csv
import io

import pytest
from playwright.sync_api import expect
from test_import import HEADER

from browser_support import PHONE, login, submit
from conftest import PASSWORD

pytestmark = pytest.mark.browser


def catalogue_with_codes(rows):
    """A catalogue whose 档号 column the system will not follow: each row warns."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(1, rows + 1):
        writer.writerow([n, f"J001-WS·2026-Y-ZH-{9000 + n}", f"沪疫指〔2026〕{n}号", "区防控指挥部",
                         f"关于第{n}号事项的通知", f"2026{1 + n % 9:02d}{1 + n % 28:02d}", "", "3", "", "ZH",
                         "永久", "电子", ""])
    return out.getvalue().encode("utf-8")


def test_a_two_thousand_row_check_shows_its_decision_on_the_first_phone_screen(app, world, live_server,
                                                                              browser, tmp_path):
    table = tmp_path / "目录.csv"
    table.write_bytes(catalogue_with_codes(2000))
    phone = browser.page(viewport=PHONE)
    login(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/bodies/{world['a'].id}/import")
    phone.set_input_files("input[name=table]", str(table))
    submit(phone, "button:has-text('上传并检查')")
    expect(phone.locator("h2", has_text="检查通过：可以导入 2000 件")).to_be_visible(timeout=120_000)
    button = phone.locator("button:has-text('确认导入 2000 件')")
    assert button.bounding_box()["y"] + button.bounding_box()["height"] <= PHONE["height"]
    cancel = phone.locator(".card-actions a:has-text('取消')")
    assert cancel.bounding_box()["y"] + cancel.bounding_box()["height"] <= PHONE["height"]
    expect(phone.locator(".import-counts")).to_contain_text("2,000")
    groups = phone.locator("details.warning-group")
    expect(groups).to_have_count(1)
    expect(groups.first.locator("summary")).to_have_text("2,000 行：档号将由系统给出，不用表中所写")
    expect(groups.first.locator("table")).to_be_hidden()  # the 2,000 lines stay folded
    browser.shot(phone, "import-2000-phone")
    expect(phone.locator("nav.tabs a[aria-current=page]")).to_have_text("文件")  # not 概况


DESKTOP = {"width": 1366, "height": 768}


def test_a_registration_lists_its_field_and_file_problems_in_one_answer(app, world, live_server, browser):
    page = browser.page(viewport=DESKTOP)
    login(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/documents/new")
    page.fill("textarea[name=title]", "")
    page.fill("input[name=date]", "2099-01-01")
    page.fill("input[name=pages]", "-3")
    page.set_input_files("#files", [{"name": "setup.exe", "mimeType": "application/octet-stream",
                                     "buffer": b"MZ\x90\x00\x03" + b"\x00" * 400}])
    page.click("button.primary")
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    for text in ("题名", "成文日期", "页数", "setup.exe"):
        expect(summary).to_contain_text(text)
    browser.shot(page, "every-problem-at-once")


def test_an_english_reader_logs_out_in_english(app, world, live_server, browser):
    page = browser.page(viewport=DESKTOP)
    login(page, live_server.url, "secretary", PASSWORD)
    submit(page, "form.lang button")  # English
    expect(page.locator("html")).to_have_attribute("lang", "en")
    submit(page, "header form:not(.lang) button.link")  # Log out
    expect(page.locator(".flash")).to_have_text("You have logged out.")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def demo_credentials(app):
    from capture.db import db
    from capture.ops import demo
    with db.connection_context():
        return {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}


def test_the_phone_menu_is_a_button_that_says_whether_it_is_open(app, live_server, browser):
    credentials = demo_credentials(app)
    page = browser.page(viewport=PHONE)
    login(page, live_server.url, "liaison", credentials["liaison"])
    button = page.get_by_role("button", name="菜单")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(page.locator("nav.nav")).to_be_hidden()
    page.keyboard.press("Tab")  # the first Tab stop after the brand is the menu itself
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.locator("nav.nav a").first).to_be_visible()
    expect(page.locator("input.menu-toggle")).to_have_count(0)  # no invisible checkbox to Tab onto
    browser.shot(page, "menu-open-phone")


def test_the_weekly_table_reads_on_a_phone_as_a_card_per_body(app, live_server, browser):
    credentials = demo_credentials(app)
    page = browser.page(viewport=PHONE)
    login(page, live_server.url, "liaison", credentials["liaison"])
    page.goto(live_server.url + "/statistics")
    cards = page.locator(".weekly-card")
    expect(cards.first).to_be_visible()
    for i in range(cards.count()):
        card, heading = cards.nth(i).bounding_box(), cards.nth(i).locator("h3").bounding_box()
        assert card["x"] + card["width"] <= PHONE["width"]
        assert heading["height"] < 3 * 26  # a body's name on one or two lines, not four or five
        last = cards.nth(i).locator("dd").last.bounding_box()
        assert last["x"] + last["width"] <= PHONE["width"]  # every week in sight
    browser.shot(page, "statistics-phone")


def registered(world, n, **overrides):
    """Register a document in body A as its secretary (the service, as the form would)."""
    from capture.records import registry
    from test_documents import form
    return registry.register_document(world["a"], world["secretary"], form(**overrides))


def test_the_dissolution_notice_is_searched_for_not_picked_from_every_document(app, world, live_server, browser):
    for n in range(1, 61):
        registered(world, n, title=f"关于第{n}号事项的通知", doc_number=f"沪疫指〔2026〕{n}号")
    notice = registered(world, 0, title="关于撤销区疫情防控工作指挥部的通知", date="2026-11-30")
    page = browser.page(viewport=DESKTOP, java_script_enabled=False)  # a plain search form
    login(page, live_server.url, "liaison", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/transfer")
    page.click("details.dissolve summary")
    options = page.locator("select[name=notice] option")
    assert options.count() <= 21  # the first answer offers a few, never all 61
    expect(page.locator("body")).not_to_contain_text("关于第1号事项的通知")
    page.fill("input[name=notice_q]", notice.reference_code)
    submit(page, "details.dissolve button[name=find]")
    expect(options).to_have_count(2)  # （尚未登记） and the one found, chosen
    expect(page.locator("select[name=notice]")).to_have_value(str(notice.id))
    page.fill("input[name=dissolved_on]", "2026-11-30")
    submit(page, "button[name=dissolve]")
    expect(page.locator("#confirm-dissolution")).to_contain_text(notice.reference_code)
    browser.shot(page, "notice-found")


def test_a_refused_undo_answers_on_its_panel_and_a_withdrawal_tells_who_was_told(app, world, live_server, browser):
    import datetime as dt

    from capture.models import Body
    from capture.transfer import dissolution
    dissolution.dissolve(world["a"], world["liaison"], dt.date(2026, 11, 30))  # the liaison is told
    page = browser.page(viewport=DESKTOP)
    login(page, live_server.url, "liaison", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/transfer")
    page.click("details.correct-dissolution summary")
    submit(page, "button[name=undo]")  # no reason given
    expect(page.locator("details.correct-dissolution")).to_have_attribute("open", "")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("请写明更正的原因")
    expect(page.locator("details.correct-dissolution .has-error")).to_contain_text("请写明更正的原因")
    browser.shot(page, "undo-refused-on-its-panel")
    page.fill("textarea[name=correct-reason]", "误登：机构延期运行")
    submit(page, "button[name=undo]")
    assert Body.get_by_id(world["a"].id).status == "active"
    page.goto(f"{live_server.url}/notifications")
    expect(page.locator("main")).to_contain_text("撤销登记已撤回")


def test_the_form_proposes_the_persons_own_last_choice_says_so_and_an_import_changes_nothing(
        app, world, live_server, browser):
    from test_import_scale import catalogue, run_import

    from capture.models import Document, ScopeItem
    page = browser.page(viewport=PHONE)
    login(page, live_server.url, "secretary", PASSWORD)
    new = f"{live_server.url}/bodies/{world['a'].id}/documents/new"
    page.goto(new)
    expect(page.locator("#default-source")).to_contain_text("第一个分类")
    page.select_option("select[name=category]", "FK")
    page.select_option("select[name=retention]", "D30")
    page.fill("textarea[name=title]", "关于加强隔离点管理的通知")
    page.fill("input[name=responsible]", "区疫情防控工作指挥部")
    page.click("button.primary")
    page.wait_for_selector(".reference-code")
    report = run_import(app, world, catalogue(rows=4))  # rows of ZH / 10 年 and others
    assert report.ok and Document.select().count() == 5

    page.goto(new)
    expect(page.locator("select[name=category]")).to_have_value("FK")
    expect(page.locator("select[name=retention]")).to_have_value("D30")
    expect(page.locator("#default-source")).to_contain_text("按您上次在本表登记时的选择预填")
    browser.shot(page, "defaults-said-phone")

    minutes = ScopeItem.select().where(ScopeItem.body == world["a"]).first()
    registered(world, 0, title="第一次会议纪要", category="BZ", retention="D10", scope_item=str(minutes.id))
    page.goto(f"{new}?scope_item={minutes.id}")
    expect(page.locator("select[name=category]")).to_have_value("BZ")
    expect(page.locator("select[name=retention]")).to_have_value("D10")
    expect(page.locator("#default-source")).to_contain_text(minutes.name)


FULL_WIDTH = "：，。；（）“”《》"


def test_an_english_reader_reads_english_labels_and_punctuation(app, live_server, browser):
    from capture.models import CheckIn
    credentials = demo_credentials(app)
    page = browser.page(viewport=DESKTOP)
    login(page, live_server.url, "secretary", credentials["secretary"])
    submit(page, "form.lang button")
    page.goto(f"{live_server.url}/bodies/1/documents/new")
    page.set_input_files("#files", [{"name": "setup.exe", "mimeType": "application/octet-stream",
                                     "buffer": b"MZ\x90\x00\x03" + b"\x00" * 400}])
    page.click("button.primary")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("setup.exe")
    marks = [c for c in summary.inner_text() if c in FULL_WIDTH]
    assert not marks, summary.inner_text()

    liaison = browser.page(viewport=DESKTOP)
    login(liaison, live_server.url, "liaison", credentials["liaison"])
    submit(liaison, "form.lang button")
    checkin = CheckIn.select().where(CheckIn.status == "scheduled").first()
    liaison.goto(f"{live_server.url}/bodies/{checkin.body_id}/checkins/{checkin.id}")
    expect(liaison.locator("main")).to_contain_text("Guidance record")
    expect(liaison.locator("main")).not_to_contain_text("Check-ins")
    browser.shot(liaison, "checkin-english")


def test_on_a_sunday_the_dashboard_shows_mondays_check_in(app, world, live_server, browser):
    import datetime as dt

    import time_machine

    from capture.models import CheckIn
    # Monday 7 December 2026, 10:00 in Shanghai; the liaison looks on Sunday the 6th at noon.
    CheckIn.create(body=world["a"], liaison=world["liaison"], scheduled_for=dt.datetime(2026, 12, 7, 2))
    with time_machine.travel(dt.datetime(2026, 12, 6, 4, tzinfo=dt.timezone.utc)):
        page = browser.page(viewport=DESKTOP)
        login(page, live_server.url, "liaison", PASSWORD)
        page.goto(live_server.url + "/")
        expect(page.locator("#week")).to_contain_text(world["a"].name)
        expect(page.locator("#week h2")).to_contain_text("未来七天")
        browser.shot(page, "sunday-dashboard")


def test_a_check_report_with_many_warnings_leads_with_its_verdict_on_a_phone(app, world, live_server, browser):
    import datetime as dt

    from capture.models import Document
    from capture.transfer import dissolution
    for n in range(1, 41):
        registered(world, n, title=f"关于第{n}号事项的通知", doc_number=f"沪疫指〔2026〕{n}号")
    Document.update(responsible="本局").execute()  # forty vague responsible parties: forty warnings
    dissolution.dissolve(world["a"], world["liaison"], dt.date(2026, 11, 30))
    page = browser.page(viewport=PHONE)
    login(page, live_server.url, "transfer_officer", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/transfer")
    submit(page, "button[name=check]")
    expect(page.locator(".check-summary .verdict")).to_be_visible()
    box = page.locator(".check-summary .counts").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]
    kind = page.locator("details.warning-kind", has_text="责任者写法不规范")
    expect(kind.locator("summary")).to_have_text("责任者写法不规范：40 项")
    expect(kind.locator("li").first).to_be_hidden()  # folded until asked for
    browser.shot(page, "check-report-phone")


def test_a_fixity_pass_with_many_missing_files_leads_with_its_verdict_on_a_phone(app, world, live_server, browser):
    from test_fixity import register as holding
    for n in range(1, 31):
        holding(app, world, f"never stored {n}".encode(), n, store=False)  # thirty missing files
    phone = browser.page(viewport=PHONE)
    login(phone, live_server.url, "admin", PASSWORD)
    phone.goto(live_server.url + "/admin/fixity")
    submit(phone, "button:has-text('检查全部文件')")
    expect(phone.locator("p.verdict")).to_contain_text("0 个文件损坏、30 个文件缺失", timeout=30_000)
    expect(phone.locator("h3", has_text="缺失（30 个）")).to_be_visible()
    expect(phone.locator("table.fixity-findings tbody tr:visible")).to_have_count(10)
    expect(phone.locator("details.more-findings summary")).to_have_text("其余 20 个")
    browser.shot(phone, "fixity-many-phone")


def test_the_filing_plan_names_the_periods_already_missing(app, world, live_server, browser):
    import datetime as dt
    import io

    import docx

    from capture.models import ScopeItem
    ScopeItem.update(recurrence="weekly", starts_on=dt.date(2026, 11, 2)).where(
        ScopeItem.body == world["a"], ScopeItem.name.startswith("情况报告")).execute()
    page = browser.page(viewport=DESKTOP)
    login(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/scope")
    with page.expect_download() as download:
        page.click("a[href$='plan.docx']")
    plan = docx.Document(io.BytesIO(open(download.value.path(), "rb").read()))
    rows = [[c.text for c in row.cells] for row in plan.tables[0].rows]
    assert rows[0][-1] == "已缺期次"
    weekly = next(r for r in rows if "情况报告" in r[1])
    assert weekly[-1].startswith("11月2日至8日")  # the first week of the series, never filed


def test_a_documents_edit_button_has_room_on_a_phone(app, world, live_server, browser):
    document = registered(world, 1, title="关于成立区新冠肺炎疫情防控工作指挥部的通知")
    page = browser.page(viewport=PHONE)
    login(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/documents/{document.id}")
    button = page.locator(".heading a.button").bounding_box()
    below = page.locator(".heading + *").first.bounding_box()
    assert below["y"] - (button["y"] + button["height"]) >= 8  # not touching the facts below


def test_the_fulfilling_document_is_searched_for_without_javascript(app, world, live_server, browser):
    import datetime as dt

    from capture.models import Commitment
    from capture.transfer import dissolution
    for n in range(1, 31):
        registered(world, n, title=f"关于第{n}号事项的通知", doc_number=f"沪疫指〔2026〕{n}号")
    summary = registered(world, 0, title="区疫情防控工作指挥部工作总结")
    dissolution.dissolve(world["a"], world["liaison"], dt.date(2026, 11, 30))
    Commitment.create(body=world["a"], what="工作总结", promised_by="张文书", due=dt.date(2027, 1, 31),
                      created_by=world["transfer_officer"])
    page = browser.page(viewport=DESKTOP, java_script_enabled=False)
    login(page, live_server.url, "transfer_officer", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/transfer")
    options = page.locator("table.commitments select option")
    assert options.count() <= 21
    page.fill("input[name=fulfil_q]", "工作总结")
    submit(page, "form.fulfil-search button")
    expect(options).to_have_count(2)  # 请选择…… and the summary
    page.select_option("table.commitments select", str(summary.id))
    submit(page, "table.commitments button")
    expect(page.locator("table.commitments")).to_contain_text(summary.reference_code)
    assert Commitment.get().status == "fulfilled"
