"""In Chromium at 1366 and 390 px: registering a body asks for its kind, shows what its playbook
gives it, lets the creator leave items out, and the body's page says which version it follows."""
import pytest
from playwright.sync_api import expect

from browser_support import PHONE, login, see, submit
from capture.db import db
from capture.models import Body, ScopeItem
from conftest import PASSWORD

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 900}
FITS = "() => document.documentElement.scrollWidth"


@pytest.mark.parametrize("viewport, code, fonds", [(WIDE, "YQW", "J101"), (PHONE, "YQP", "J102")])
def test_a_liaison_registers_a_body_from_its_kinds_playbook(app, live_server, browser, world, viewport, code, fonds):
    page = browser.page(viewport=viewport)
    login(page, live_server.url, "liaison", PASSWORD)
    page.goto(f"{live_server.url}/bodies/new")
    see(page, "先选择机构类型")
    submit(page, "main a:has-text('疫情防控')")
    offer = page.locator("fieldset.playbook-offer")
    expect(offer).to_contain_text("疫情防控”第 1 版")
    expect(offer).to_contain_text("疫情高峰")
    expect(offer).to_contain_text("每 7 天")
    assert page.input_value("select[name=tier]") == "key"
    assert page.evaluate(FITS) <= viewport["width"]
    browser.shot(page, f"offer-{viewport['width']}")
    page.fill("input[name=name]", f"{code} 疫情防控指挥部")
    page.fill("input[name=code]", code)
    page.fill("input[name=fonds_code]", fonds)
    page.fill("input[name=established_on]", "2026-05-01")
    offer.locator("label", has_text="重要活动照片、录像").locator("input").uncheck()
    offer.locator("label", has_text="YL").locator("input").uncheck()
    submit(page, "button.primary")
    see(page, "已登记临时机构", "按第 1 版")
    assert page.evaluate(FITS) <= viewport["width"]
    browser.shot(page, f"body-{viewport['width']}")
    with db.connection_context():
        body = Body.get(Body.code == code)
        names = {s.name for s in ScopeItem.select().where(ScopeItem.body == body)}
        assert "重要活动照片、录像" not in names and "工作总结" in names
        assert body.tier == "key" and body.cadence_days == 7
    submit(page, "main a:has-text('按第 1 版')")
    see(page, "按“疫情防控”分类指导第 1 版登记", "疫情高峰")
