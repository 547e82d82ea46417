"""In Chromium at 390×844: every page of every role fits the phone's width, every item of the top
navigation can be reached through the menu, lists read as cards and chart labels stay legible."""
import pytest
from playwright.sync_api import expect
from test_browser_csp import _pages

from capture.db import db
from capture.ops import demo

from browser_support import PHONE, login

pytestmark = pytest.mark.browser

ROLES = ("admin", "liaison", "secretary", "transfer", "viewer")

FITS = """() => {
  const wide = document.documentElement.scrollWidth;
  const lists = [...document.querySelectorAll('.table-wrap')].filter(w => w.querySelector('table.list'))
    .filter(w => w.scrollWidth > w.clientWidth + 1).length;
  return [wide, lists];
}"""

# The smallest chart label as drawn on screen: its font size times the drawing's scale.
SMALLEST_LABEL = """() => Math.min(...[...document.querySelectorAll('.chart svg text')]
  .filter(t => t.getClientRects().length)
  .map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))"""


def nav_unreachable(page):
    """The top navigation's items that cannot be seen whole once the menu is opened."""
    page.click("button.menu-button")
    links = page.locator("nav.nav a")
    expect(links.first).to_be_visible()
    missing = []
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        if not links.nth(i).is_visible() or box["x"] < 0 or box["x"] + box["width"] > PHONE["width"] + 1:
            missing.append(links.nth(i).inner_text())
    page.click("button.menu-button")
    expect(links.first).to_be_hidden()
    return missing


def test_every_page_of_every_role_fits_a_phone_and_the_menu_reaches_every_item(app, live_server, browser):
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
        urls = _pages(app)
    problems = []
    for role in ROLES:
        page = browser.page(viewport=PHONE)
        login(page, live_server.url, role, credentials[role])
        expect(page.locator("button.menu-button")).to_be_visible()
        expect(page.locator("nav.nav")).to_be_hidden()  # folded until asked for
        problems += [f"{role}: menu hides {item}" for item in nav_unreachable(page)]
        for url in urls:
            page.goto(live_server.url + url)
            wide, scrolling_lists = page.evaluate(FITS)
            if wide > PHONE["width"]:
                problems.append(f"{role} {url}: {wide}px wide")
            if scrolling_lists:
                problems.append(f"{role} {url}: a list scrolls sideways")
        page.goto(live_server.url + "/statistics")
        if page.locator(".chart svg text").count():
            smallest = page.evaluate(SMALLEST_LABEL)
            if smallest < 11:
                problems.append(f"{role} /statistics: chart labels {smallest:.1f}px")
        browser.shot(page, f"{role}-last-page")
        page.context.close()
    assert not problems, problems


def test_document_list_is_cards_with_reference_code_and_title_first(app, live_server, browser):
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
    page = browser.page(viewport=PHONE)
    login(page, live_server.url, "secretary", credentials["secretary"])
    page.goto(live_server.url + "/bodies/1/documents")
    first = page.locator("table.documents tbody tr").first
    expect(page.locator("table.documents thead")).to_be_hidden()
    code, title = first.locator("td.lead"), first.locator("td.title")
    assert code.bounding_box()["y"] < title.bounding_box()["y"]  # 档号 first, then 题名
    for cell in ("td:nth-child(3)", "td:nth-child(5)"):  # 责任者, 日期
        assert first.locator(cell).bounding_box()["y"] > title.bounding_box()["y"]
    assert first.bounding_box()["height"] < 140  # a card of a few lines, not a squeezed row
    assert first.bounding_box()["width"] <= PHONE["width"]
    browser.shot(page, "documents-cards-phone")
