"""In Chromium, with axe-core (served from the axe-playwright-python package, no CDN): the main pages
of every role, at 1366 and 390 px, in Chinese and in English, have no serious or critical violation."""
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from capture.db import db
from capture.ops import demo

from browser_support import PHONE, login, submit

pytestmark = pytest.mark.browser

ROLES = ("admin", "liaison", "secretary", "transfer", "viewer")
DESKTOP = {"width": 1366, "height": 768}
AXE = Axe()


def serious_violations(page):
    """axe-core's serious and critical violations on the page as shown, one line each."""
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {len(v['nodes'])}× {v['nodes'][0]['target']}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def main_pages(page, base_url):
    """The home page, every item of the top navigation, every tab of the first body listed and its
    register and import forms."""
    page.goto(base_url + "/")
    urls = ["/"] + [a.get_attribute("href") for a in page.locator("nav.nav a").all()]
    page.goto(base_url + "/bodies")
    first = page.locator("main a[href^='/bodies/']").first
    if first.count():
        body = first.get_attribute("href")
        page.goto(base_url + body)
        urls += [a.get_attribute("href") for a in page.locator("nav.tabs a").all()]
        urls += [body + "/documents/new", body + "/import"]  # the forms (a refusal page for some roles)
    return list(dict.fromkeys(urls))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_main_pages_of_every_role_have_no_serious_accessibility_violation(app, live_server, browser, language):
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
    problems = []
    for role in ROLES:
        for viewport in (DESKTOP, PHONE):
            page = browser.page(viewport=viewport)
            login(page, live_server.url, role, credentials[role])
            if language == "en" and page.locator("html").get_attribute("lang") != "en":
                submit(page, "form.lang button")  # kept on the account from then on
                expect(page.locator("html")).to_have_attribute("lang", "en")
            for url in main_pages(page, live_server.url):
                page.goto(live_server.url + url)
                problems += [f"{role} {viewport['width']}px {url}: {v}" for v in serious_violations(page)]
            page.context.close()
    assert not problems, "\n".join(problems)
