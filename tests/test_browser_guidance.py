"""In Chromium: the liaison's pages at phone width (the whole check-in journey is in test_journeys)."""
import datetime as dt

import pytest

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
