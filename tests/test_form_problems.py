"""A form sent back says what is wrong at the top of the page: a summary naming each problem,
each a link to its field, before the form itself (the eye starts at the top, above all on a phone)."""
import datetime as dt
import re

from test_bodies import BODY_FORM
from test_documents import register
from test_guidance import a_checkin, record

from conftest import PASSWORD


def summary(response):
    """[(href, text)] of the error summary's links, checking it stands before the first form."""
    html = response.get_data(as_text=True)
    box = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert box, "no error summary"
    assert box.start() < html.index("<form", html.index("<main"))
    return [(href, re.sub(r"<[^>]+>", "", text).strip())
            for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', box.group(0), re.S)]


def fields_named(response, links):
    """Each link leads to a field that is on the page."""
    html = response.get_data(as_text=True)
    for href, _text in links:
        assert f'id="{href[1:]}"' in html, href


def test_body_form_sent_back_names_the_end_date(client, auth, world):
    auth.login("admin")
    response = auth.post("/bodies/new", dict(BODY_FORM, code="bad code", expected_end="2020-01-01"))
    links = summary(response)
    assert [href for href, _ in links] == ["#code", "#expected_end"]
    assert "预计撤销日期" in links[1][1] and "不能早于成立日期" in links[1][1]
    fields_named(response, links)


def test_check_in_outcome_with_a_follow_up_due_too_early_says_so_at_the_top(client, auth, world):
    auth.login("liaison")
    checkin = a_checkin(world, scheduled_for=dt.datetime(2026, 3, 3, 6, 30))
    response = record(auth, checkin, **{"follow_ups-0-due": "2026-03-01"})
    links = summary(response)
    assert links == [("#follow_ups-0-due", "第 1 项 · 完成期限：完成期限不能早于指导日期")]
    fields_named(response, links)


def test_document_without_title_names_the_title(client, auth, world):
    auth.login("secretary")
    response = register(auth, world["a"], title="")
    links = summary(response)
    assert links[0][0] == "#title" and "请填写题名" in links[0][1]
    fields_named(response, links)


def test_user_form_and_password_form_and_token_form_say_it_at_the_top(client, auth, world):
    auth.login("admin")
    response = auth.post("/admin/users/new", {"username": "bad name!", "display_name": "保留的姓名",
                                              "role": "secretary", "language": "zh_Hans",
                                              "password": "long enough password"})
    assert [href for href, _ in summary(response)] == ["#username"]
    response = auth.post("/account/password", {"current": "wrong", "new": "x", "confirm": "y"})
    assert summary(response)
    fields_named(response, summary(response))
    response = auth.post("/account/tokens", {"label": "", "scopes": "read"})
    assert [href for href, _ in summary(response)] == ["#label"]


def test_a_page_without_errors_has_no_summary(client, auth, world):
    auth.login("admin", PASSWORD)
    assert "error-summary" not in client.get("/bodies/new").get_data(as_text=True)


def test_the_summary_is_in_english_on_an_english_page(client, auth, world):
    auth.login("admin")
    auth.post("/language", {"language": "en", "next": "/"}, page="/")
    response = auth.post("/bodies/new", dict(BODY_FORM, expected_end="2020-01-01"))
    html = response.get_data(as_text=True)
    assert "Not saved yet" in html
    assert [text for _, text in summary(response)][0].startswith("Expected end: ")
