"""In Chromium: a liaison schedules and records an on-site check-in with a follow-up; the
secretary ticks it off on her phone; the statistics count one on-site check-in."""
import datetime as dt

import pytest

from browser_support import PHONE, login
from capture import clock
from conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_check_in_from_schedule_to_statistics(app, live_server, browser, world):
    today = clock.local_today(app.config["TIMEZONE"])
    body = world["a"]
    liaison = browser.page()
    login(liaison, live_server.url, "liaison", PASSWORD)
    liaison.goto(f"{live_server.url}/bodies/{body.id}")
    liaison.click("nav.tabs >> text=指导")
    assert "建议下次指导" in liaison.content()
    assert liaison.input_value("input[name=date]")  # proposed from the cadence
    browser.shot(liaison, "schedule-form")

    liaison.fill("input[name=date]", today.isoformat())
    liaison.fill("input[name=time]", "00:05")
    liaison.select_option("select[name=mode]", "on_site")
    liaison.fill("input[name=place]", "区政府 3 号楼 302 会议室")
    liaison.click("button:has-text('安排')")
    assert "已安排" in liaison.content() and "区政府 3 号楼 302 会议室" in liaison.content()
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
    liaison.click("button:has-text('保存结果')")
    assert "已登记指导结果" in liaison.content()
    assert "补登 3 月以来的会议纪要" in liaison.content()
    browser.shot(liaison, "recorded")

    secretary = browser.page(viewport=PHONE)
    login(secretary, live_server.url, "secretary", PASSWORD)
    panel = secretary.locator(".follow-up-panel")
    assert "补登 3 月以来的会议纪要" in panel.inner_text()
    assert secretary.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(secretary, "secretary-home-phone")
    panel.locator("button:has-text('标记完成')").click()
    assert "已完成：补登 3 月以来的会议纪要" in secretary.content()
    assert secretary.locator(".follow-up-panel").count() == 0
    browser.shot(secretary, "secretary-ticked-phone")

    liaison.click("nav.nav >> text=指导工作台")
    assert "指导工作台" in liaison.content()
    browser.shot(liaison, "dashboard")
    liaison.click("nav.nav >> text=统计")
    assert liaison.inner_text("#tile-on-site .number") == "1"
    assert liaison.inner_text("#tile-online .number") == "0"
    browser.shot(liaison, "statistics")


def test_liaison_pages_fit_a_phone(app, live_server, browser, world):
    from capture.models import CheckIn
    CheckIn.create(body=world["a"], liaison=world["liaison"], place="区政府 3 号楼 302 会议室",
                   scheduled_for=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    phone = browser.page(viewport=PHONE)
    login(phone, live_server.url, "liaison", PASSWORD)
    for name, path in (("dashboard-phone", "/guidance"),
                       ("checkins-phone", f"/bodies/{world['a'].id}/checkins"),
                       ("statistics-phone", "/statistics")):
        phone.goto(live_server.url + path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        browser.shot(phone, name)
    phone.goto(f"{live_server.url}/bodies/{world['a'].id}/checkins")
    phone.click(".checkin-list a:has-text('登记结果')")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(phone, "outcome-form-phone")
