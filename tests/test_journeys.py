"""The three journeys end to end in Chromium: the secretary captures, the liaison guides, the
transfer officer transfers. Each saves a screenshot of every step, the final screen included."""
import datetime as dt

import pytest
from playwright.sync_api import expect

from capture import clock
from capture.db import db
from capture.models import Body, Document, File, ScopeItem, User
from capture.ops import demo, samples
from capture.transfer import verify

from browser_support import PHONE, login, see, submit
from conftest import PASSWORD
from transfer_support import complete_body

pytestmark = pytest.mark.browser


def meter_value(page):
    return float(page.get_attribute(".completeness meter", "value"))


def _prepare_epidemic_body(app):
    """YQFK with every scope entry filed but the work summary, so the check fails exactly there."""
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
        body = Body.get(Body.code == "YQFK")
        complete_body(app.extensions["store"], body, User.get(User.username == "secretary"))
        summary = ScopeItem.get(ScopeItem.body == body, ScopeItem.name == "工作总结")
        Document.update(scope_item=None).where(Document.scope_item == summary).execute()
    return body, credentials


def test_secretary_registers_a_document_with_two_files(app, world, live_server, browser):
    body = world["a"]
    page = browser.page()
    login(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{body.id}")
    before = meter_value(page)
    browser.shot(page, "overview-before")

    page.goto(live_server.url + "/")
    submit(page, f"a[href='/bodies/{body.id}/documents/new']")
    assert page.input_value("input[name=date]")  # today by default
    page.select_option("select[name=category]", "ZH")
    page.select_option("select[name=retention]", "Y")
    page.fill("textarea[name=title]", "区疫情防控工作指挥部第三次会议纪要")
    page.fill("input[name=responsible]", "区疫情防控工作指挥部")
    page.fill("input[name=date]", "2026-03-20")
    page.fill("input[name=pages]", "5")
    page.select_option("select[name=scope_item]", label="会议纪要、记录")
    page.set_input_files("#files", [
        {"name": "第三次会议纪要.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("Minutes 3")},
        {"name": "会议现场.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg()},
    ])
    expect(page.locator("[data-file-list] li")).to_have_count(2)  # listed by upload.js
    assert page.is_visible("[data-drop-hint]")
    browser.shot(page, "register-form-filled")

    page.click("button.primary")
    see(page, f"已登记，档号 {body.fonds_code}-WS·2026-Y-ZH-0001", "第三次会议纪要.pdf", "会议现场.jpg")
    expect(page.locator(".file-rows li")).to_have_count(2)
    browser.shot(page, "registered")
    document = Document.get()
    assert sorted(f.original_name for f in File.select().where(File.document == document)) == [
        "会议现场.jpg", "第三次会议纪要.pdf"]

    submit(page, "nav.tabs a:has-text('文件')")
    page.fill("input[name=q]", "第三次会议纪要")
    submit(page, "form[role=search] button")
    expect(page.locator("table.documents tbody tr")).to_have_count(1)
    expect(page.locator("table.documents")).to_contain_text("J001-WS·2026-Y-ZH-0001")
    browser.shot(page, "found-by-title")

    submit(page, "nav.tabs a:has-text('概况')")
    assert meter_value(page) == before + 1
    browser.shot(page, "overview-after")
    submit(page, "nav.tabs a:has-text('归档范围')")
    expect(page.locator("table.scope")).to_contain_text("区疫情防控工作指挥部第三次会议纪要")
    browser.shot(page, "scope")


def test_check_in_from_schedule_to_statistics(app, live_server, browser, world):
    today = clock.local_today(app.config["TIMEZONE"])
    body = world["a"]
    liaison = browser.page()
    login(liaison, live_server.url, "liaison", PASSWORD)
    liaison.goto(f"{live_server.url}/bodies/{body.id}")
    submit(liaison, "nav.tabs >> text=指导")
    see(liaison, "建议下次指导")
    assert liaison.input_value("input[name=date]")  # proposed from the cadence
    browser.shot(liaison, "schedule-form")

    liaison.fill("input[name=date]", today.isoformat())
    liaison.fill("input[name=time]", "00:05")
    liaison.select_option("select[name=mode]", "on_site")
    liaison.fill("input[name=place]", "区政府 3 号楼 302 会议室")
    submit(liaison, "button:has-text('安排')")
    see(liaison, "已安排", "区政府 3 号楼 302 会议室")
    browser.shot(liaison, "scheduled")

    due = today + dt.timedelta(days=7)
    liaison.select_option("select[name=status]", "held")
    liaison.select_option("select[name=mode]", "on_site")
    liaison.fill("input[name=duration]", "90")
    liaison.fill("textarea[name=findings]", "3 月以来的会议纪要未归档")
    liaison.fill("input[name='follow_ups-0-action']", "补登 3 月以来的会议纪要")
    liaison.fill("input[name='follow_ups-0-owner']", "张文书")
    liaison.fill("input[name='follow_ups-0-due']", due.isoformat())
    browser.shot(liaison, "outcome-form")
    submit(liaison, "button:has-text('保存结果')")
    see(liaison, "已登记指导结果", "补登 3 月以来的会议纪要")
    browser.shot(liaison, "recorded")

    secretary = browser.page(viewport=PHONE)
    login(secretary, live_server.url, "secretary", PASSWORD)
    panel = secretary.locator(".follow-up-panel")
    expect(panel).to_contain_text("补登 3 月以来的会议纪要")
    assert secretary.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(secretary, "secretary-home-phone")
    with secretary.expect_navigation():
        panel.locator("button:has-text('标记完成')").click()
    see(secretary, "已完成：补登 3 月以来的会议纪要")
    expect(secretary.locator(".follow-up-panel")).to_have_count(0)
    browser.shot(secretary, "secretary-ticked-phone")

    submit(liaison, "nav.nav >> text=指导工作台")
    see(liaison, "指导工作台")
    browser.shot(liaison, "dashboard")
    submit(liaison, "nav.nav >> text=统计")
    expect(liaison.locator("#tile-on-site .number")).to_have_text("1")
    expect(liaison.locator("#tile-online .number")).to_have_text("0")
    browser.shot(liaison, "statistics")


def test_transfer_officer_dissolves_checks_commits_exports_and_downloads(app, live_server, browser, tmp_path):
    body, credentials = _prepare_epidemic_body(app)
    page = browser.page()
    login(page, live_server.url, "transfer", credentials["transfer"])
    page.goto(f"{live_server.url}/bodies/{body.id}")
    submit(page, "nav.tabs >> text=撤销与移交")
    browser.shot(page, "transfer-page-active")

    page.click("details.dissolve summary")
    page.fill("input[name=dissolved_on]", "2026-11-20")
    page.select_option("select[name=notice]", label=page.locator("select[name=notice] option",
                                                                 has_text="撤销文件").first.inner_text())
    submit(page, "button[name=dissolve]")
    see(page, "分类锁定")
    submit(page, "button[name=confirm-dissolve]")
    see(page, "已进入撤销程序")
    browser.shot(page, "dissolving")
    submit(page, "button[name=confirm]")
    see(page, "已确认撤销")

    submit(page, "button[name=check]")
    see(page, "检测完成", "归档范围要求的“工作总结”尚无已登记的文件")
    browser.shot(page, "check-report")
    submit(page, "li.finding-fail >> text=记录限时承诺")
    page.fill("input[name=promised_by]", "张文书（综合组）")
    page.fill("input[name=due]", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    browser.shot(page, "commitment-form")
    submit(page, "button[name=commit]")
    see(page, "已记录限时承诺", "已作限时承诺")

    page.goto(f"{live_server.url}/bodies/{body.id}/transfer")
    submit(page, "button[name=export]")
    browser.shot(page, "exporting")
    page.wait_for_selector("text=下载移交包", timeout=30_000)  # the page refreshes itself until done
    page.wait_for_load_state()
    see(page, "已导出")
    browser.shot(page, "exported")

    with page.expect_download() as download_info:
        page.click("text=下载移交包")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.name.startswith("J001-YQFK-") and saved.suffix == ".zip"
    result = verify.verify(saved)
    assert result.valid, result.problems

    submit(page, "text=全宗介绍、组织沿革与大事记")
    page.fill("input[name=event-date]", "2026-11-20")
    page.fill("textarea[name=event-event]", "指挥部撤销，档案移交区卫生健康委员会。")
    submit(page, "form:has(input[value=event]) button.primary")
    see(page, "已添加大事记", "指挥部撤销")
    browser.shot(page, "descriptions")
    submit(page, "nav.nav >> text=移交")
    see(page, body.name, "校验收到的移交包")
    browser.shot(page, "transfers-index")

    phone = browser.page(viewport=PHONE)
    login(phone, live_server.url, "transfer", credentials["transfer"])
    phone.goto(f"{live_server.url}/bodies/{body.id}/transfer")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(phone, "transfer-page-phone")
    phone.goto(f"{live_server.url}/bodies/{body.id}/transfer/report")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(phone, "report-phone")
