"""Duplicates are announced before a 档号 is used: the web form, the API, and check-ins."""
import re

from capture.models import CheckIn, Document, File
from capture.ops import samples

import test_api
from test_documents import register
from test_guidance import schedule

PDF = samples.pdf("Notice", ["Key places"])


def test_the_same_pdf_again_is_announced_with_a_link_and_uses_no_reference_code(client, auth, world):
    auth.login("secretary")
    body = world["a"]
    assert register(auth, body, [("通知.pdf", PDF)]).status_code == 302
    first = Document.get()
    response = register(auth, body, [("通知（再次）.pdf", PDF)], title="另一件")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "尚未登记，也没有使用档号" in html and "仍然登记" in html
    assert f'href="/bodies/{body.id}/documents/{first.id}"' in html and first.reference_code in html
    assert Document.select().count() == 1
    assert "另一件" in html  # what was typed is kept

    # Cancelled: the next document takes the next number, no gap is left.
    assert register(auth, body, [("另一个.pdf", samples.pdf("Other", ["x"]))], title="第二件").status_code == 302
    assert Document.get(Document.title == "第二件").item_number == 2


def test_registering_anyway_keeps_the_chosen_files_without_sending_them_again(client, auth, world):
    auth.login("secretary")
    body = world["a"]
    register(auth, body, [("通知.pdf", PDF)])
    html = register(auth, body, [("附件.pdf", PDF)], title="同一附件随另一文件下发").get_data(as_text=True)
    held = re.search(r'name="held" value="([^"]+)"', html).group(1)
    response = register(auth, body, [], title="同一附件随另一文件下发", held=held, duplicate_ok="1")
    assert response.status_code == 302
    second = Document.get(Document.title == "同一附件随另一文件下发")
    assert [f.original_name for f in second.files] == ["附件.pdf"]
    assert File.get(File.document == second).sha256 == File.get(File.document != second).sha256


def test_a_held_token_of_another_body_or_user_carries_nothing(client, auth, world):
    auth.login("secretary")
    body = world["a"]
    register(auth, body, [("通知.pdf", PDF)])
    html = register(auth, body, [("附件.pdf", PDF)], title="x").get_data(as_text=True)
    held = re.search(r'name="held" value="([^"]+)"', html).group(1)
    tampered = held[:-2] + ("AA" if not held.endswith("AA") else "BB")
    register(auth, body, [], title="篡改", held=tampered, duplicate_ok="1", carrier="paper")
    assert not list(Document.get(Document.title == "篡改").files)


def test_the_api_answers_a_duplicate_with_a_problem_unless_told_it_is_known(client, world):
    raw = test_api.token_for(world["secretary"])
    assert test_api.register(client, raw, world["a"], files=[("批复.pdf", PDF)]).status_code == 201
    again = test_api.register(client, raw, world["a"], files=[("批复副本.pdf", PDF)])
    problem = test_api.assert_problem(again, 409)
    assert problem["type"].endswith("#problem-duplicate-content")
    assert problem["duplicates"][0]["reference_code"] == "J001-WS·2026-Y-ZH-0001"
    assert problem["duplicates"][0]["file"] == "批复副本.pdf"
    assert Document.select().count() == 1
    knowing = test_api.register(client, raw, world["a"], files=[("批复副本.pdf", PDF)], duplicate_ok="true")
    assert knowing.status_code == 201 and knowing.get_json()["reference_code"].endswith("-0002")


def test_the_openapi_document_describes_the_duplicate_case(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    form = spec["components"]["schemas"]["DocumentForm"]["properties"]
    assert form["duplicate_ok"]["type"] == "boolean"
    assert "duplicate-content" in spec["x-problem-types"]
    assert "duplicates" in spec["components"]["schemas"]["Problem"]["properties"]


def test_a_second_check_in_for_the_same_liaison_body_and_time_is_refused(client, auth, world):
    auth.login("liaison")
    assert schedule(auth, world["a"], world["liaison"]).status_code == 302
    again = schedule(auth, world["a"], world["liaison"])
    html = again.get_data(as_text=True)
    assert again.status_code == 409 and "不能重复安排" in html
    first = CheckIn.get()
    assert f"/bodies/{world['a'].id}/checkins/{first.id}" in html
    assert CheckIn.select().count() == 1
    assert schedule(auth, world["a"], world["liaison"], time="16:00").status_code == 302
