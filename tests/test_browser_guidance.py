"""In Chromium: the liaison's pages at phone width (the whole check-in journey is in test_journeys)."""
import datetime as dt

import pytest
from playwright.sync_api import expect

from browser_support import PHONE, login, submit
from conftest import PASSWORD

pytestmark = pytest.mark.browser


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
    submit(phone, ".checkin-list a:has-text('登记结果')")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(phone, "outcome-form-phone")


def test_a_rejected_outcome_on_a_phone_says_why_at_the_top_and_leads_to_the_field(app, live_server, browser, world):
    from capture.models import CheckIn
    item = CheckIn.create(body=world["a"], liaison=world["liaison"], place="302 会议室",
                          scheduled_for=dt.datetime(2026, 3, 3, 6, 30))
    phone = browser.page(viewport=PHONE)
    login(phone, live_server.url, "liaison", PASSWORD)
    phone.goto(f"{live_server.url}/bodies/{world['a'].id}/checkins/{item.id}")
    phone.select_option("select[name=status]", "held")
    phone.fill("input[name='follow_ups-0-action']", "补登会议纪要")
    phone.fill("input[name='follow_ups-0-due']", "2026-03-01")  # before the check-in
    submit(phone, "button:has-text('保存结果')")
    summary = phone.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("完成期限不能早于指导日期")
    assert summary.bounding_box()["y"] < PHONE["height"]  # where the eye is, not 1,650 px down
    browser.shot(phone, "outcome-rejected-phone")
    summary.locator("a").first.click()
    expect(phone.locator("input[name='follow_ups-0-due']")).to_be_focused()
    assert phone.input_value("input[name='follow_ups-0-action']") == "补登会议纪要"  # kept
