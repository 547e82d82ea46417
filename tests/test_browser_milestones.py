"""In Chromium: from the founding check-in to a missing daily report flagged, then filled (节点指导, 预立卷)."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from browser_support import PHONE, login
from capture import clock
from capture.db import db
from capture.models import Body
from capture.ops import samples
from conftest import PASSWORD

pytestmark = pytest.mark.browser


def day_label(day):
    return f"{day.month}月{day.day}日"


def test_founding_visit_then_a_missing_daily_report_flagged_and_filled(app, live_server, browser, world):
    today = clock.local_today(app.config["TIMEZONE"])
    body = world["a"]
    with db.connection_context():
        Body.update(established_on=today - dt.timedelta(days=6)).where(Body.id == body.id).execute()

    # The liaison's dashboard asks for the founding visit, on site for a key body.
    liaison = browser.page()
    login(liaison, live_server.url, "liaison", PASSWORD)
    liaison.goto(f"{live_server.url}/guidance")
    milestones = liaison.locator("#milestones")
    expect(milestones).to_contain_text("成立后的首次指导（现场）：商定归档范围和归档计划")
    browser.shot(liaison, "dashboard-founding-due")
    milestones.locator("li", has_text="成立后的首次指导").locator("a.fix").click()
    liaison.wait_for_url(re.compile(r"/checkins\?"))
    assert liaison.input_value("select[name=mode]") == "on_site"
    liaison.fill("input[name=date]", today.isoformat())
    liaison.fill("input[name=time]", "00:05")
    liaison.fill("input[name=place]", "区政府 3 号楼 302 会议室")
    liaison.click("button:has-text('安排')")
    expect(liaison.locator("main")).to_contain_text("已安排")
    liaison.select_option("select[name=status]", "held")
    liaison.select_option("select[name=mode]", "on_site")
    liaison.fill("input[name=duration]", "60")
    liaison.fill("textarea[name=findings]", "商定归档范围；情况日报每天归档")
    liaison.click("button:has-text('保存结果')")
    expect(liaison.locator("main")).to_contain_text("已登记指导结果")
    liaison.goto(f"{live_server.url}/bodies/{body.id}/checkins")
    expect(liaison.locator("#milestones")).to_contain_text(f"{today.isoformat()} 已指导")

    # At that visit the daily situation report is planned ahead from three days ago.
    liaison.goto(f"{live_server.url}/bodies/{body.id}/scope")
    row = liaison.locator("table.scope tr", has_text="情况报告、工作简报")
    row.locator("summary").click()
    row.locator("select[name=scope-recurrence]").select_option("daily")
    row.locator("input[name=scope-starts_on]").fill((today - dt.timedelta(days=3)).isoformat())
    row.locator("button:has-text('保存')").click()
    expect(liaison.locator("main")).to_contain_text("已保存")
    missing = [day_label(today - dt.timedelta(days=n)) for n in (3, 2, 1)]
    expect(liaison.locator("table.scope")).to_contain_text("、".join(missing) + "缺")
    browser.shot(liaison, "scope-series-gaps")
    liaison.goto(f"{live_server.url}/guidance")
    expect(liaison.locator("#at-risk")).to_contain_text("按预立卷计划尚缺 3 期文件")
    browser.shot(liaison, "dashboard-series-at-risk")

    # On her phone the secretary is told yesterday's report is missing, and registers it.
    secretary = browser.page(viewport=PHONE)
    login(secretary, live_server.url, "secretary", PASSWORD)
    yesterday = today - dt.timedelta(days=1)
    notice = f"昨天（{day_label(yesterday)}）的“情况报告、工作简报”还未登记。"
    expect(secretary.locator("main")).to_contain_text(notice)
    assert secretary.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(secretary, "home-yesterday-missing-phone")
    secretary.locator("li", has_text=notice).locator("a:has-text('登记')").first.click()
    secretary.wait_for_url(re.compile(r"/documents/new"))
    secretary.select_option("select[name=category]", "XC")
    secretary.select_option("select[name=retention]", "D30")
    secretary.fill("textarea[name=title]", f"疫情情况日报（{day_label(yesterday)}）")
    secretary.fill("input[name=responsible]", "区疫情防控工作指挥部")
    secretary.fill("input[name=date]", yesterday.isoformat())
    secretary.fill("input[name=pages]", "1")
    secretary.set_input_files("#files", [{"name": "情况日报.pdf", "mimeType": "application/pdf",
                                          "buffer": samples.pdf("Daily report")}])
    secretary.click("button.primary")
    secretary.wait_for_selector(".reference-code")
    secretary.goto(live_server.url + "/")
    expect(secretary.locator("main")).to_contain_text("“情况报告、工作简报”缺 2 期")
    expect(secretary.locator("main")).not_to_contain_text(notice)
    browser.shot(secretary, "home-filled-phone")

    liaison.goto(f"{live_server.url}/bodies/{body.id}/scope")
    expect(liaison.locator("table.scope")).to_contain_text("、".join(missing[:2]) + "缺")
    expect(liaison.locator("table.scope")).to_contain_text("应有 3 件，已登记 1 件")
    browser.shot(liaison, "scope-after-filling")
    assert browser.console_errors == []
