"""Screenshots for review (not a test of the suite)."""
import pytest
from playwright.sync_api import expect
from test_browser_everyday import catalogue_with_codes, registered, DESKTOP
from browser_support import PHONE, login, submit
from conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_shots(app, world, live_server, browser, tmp_path):
    import datetime as dt
    from capture.transfer import dissolution
    for n in range(1, 31):
        registered(world, n, title=f"关于第{n}号事项的通知", doc_number=f"沪疫指〔2026〕{n}号")
    table = tmp_path / "目录.csv"
    table.write_bytes(catalogue_with_codes(2000))
    for lang in ("zh", "en"):
        for vp in (DESKTOP, PHONE):
            w = vp["width"]
            page = browser.page(viewport=vp)
            login(page, live_server.url, "secretary", PASSWORD)
            if lang == "en" and page.locator("html").get_attribute("lang") != "en":
                submit(page, "form.lang button")
            page.goto(f"{live_server.url}/bodies/{world['a'].id}/import")
            page.set_input_files("input[name=table]", str(table))
            submit(page, "form.import-upload button, form button.primary")
            expect(page.locator(".import-counts")).to_be_visible(timeout=120_000)
            page.screenshot(path=str(browser.out_dir / f"import-{lang}-{w}.png"))
            page.goto(f"{live_server.url}/bodies/{world['a'].id}/documents/new")
            page.screenshot(path=str(browser.out_dir / f"form-{lang}-{w}.png"), full_page=True)
            page.context.close()
            page = browser.page(viewport=vp)
            login(page, live_server.url, "liaison", PASSWORD)
            if lang == "en" and page.locator("html").get_attribute("lang") != "en":
                submit(page, "form.lang button")
            page.goto(f"{live_server.url}/bodies/{world['a'].id}/transfer")
            page.click("details.dissolve summary")
            page.fill("input[name=notice_q]", "第7号")
            submit(page, "details.dissolve button[name=find]")
            page.screenshot(path=str(browser.out_dir / f"dissolve-{lang}-{w}.png"), full_page=True)
            if w == PHONE["width"]:
                page.click("button.menu-button")
                page.screenshot(path=str(browser.out_dir / f"menu-{lang}-{w}.png"))
            page.context.close()
