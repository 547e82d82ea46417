"""The API answers as its OpenAPI document says: the four gaps schemathesis found, one by one."""
import re

import pytest

from capture.api import openapi
from capture.models import Document
from test_api import assert_problem, bearer, register, token_for

BEYOND_64_BITS = 2**64


@pytest.mark.parametrize("method, path", [
    ("POST", "/api/v1/bodies/{big}/documents"),
    ("GET", "/api/v1/bodies/{big}/documents"),
    ("POST", "/api/v1/bodies/{big}/documents/1/files"),
    ("POST", "/api/v1/bodies/1/documents/{big}/files"),
])
def test_an_id_beyond_64_bits_is_not_found_whatever_the_method(client, world, method, path):
    raw = token_for(world["secretary"])
    response = client.open(path.format(big=BEYOND_64_BITS), method=method, headers=bearer(raw))
    assert_problem(response, 404)


def test_a_wrong_method_on_a_real_address_is_still_405(client, world):
    response = client.delete(f"/api/v1/bodies/{world['a'].id}/documents")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_the_schema_describes_the_control_characters_a_title_may_not_hold(client, world):
    form = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["DocumentForm"]
    for name in ("title", "responsible", "doc_number", "remarks", "category"):
        pattern = form["properties"][name]["pattern"]
        assert not re.search(pattern, "会议\x07纪要"), name
        assert not re.search(pattern, "会议\u200b纪要"), name  # zero-width space (Cf)
        assert re.search(pattern, "关于某事项的批复"), name
    assert re.search(form["properties"]["remarks"]["pattern"], "第一行\n第二行")
    assert not re.search(form["properties"]["title"]["pattern"], "第一行\n第二行")
    assert not re.search(form["properties"]["title"]["pattern"], "   ")  # blank once trimmed

    raw = token_for(world["secretary"])
    problem = assert_problem(register(client, raw, world["a"], title="会议\x07纪要"), 422)
    assert "title" in problem["errors"]


@pytest.mark.parametrize("key", ["a b", " a b ", "café", "a\tb"])
def test_an_idempotency_key_outside_its_pattern_is_refused(client, world, key):
    pattern = client.get("/api/v1/openapi.json").get_json()["components"]["parameters"][
        "IdempotencyKey"]["schema"]["pattern"]
    raw = token_for(world["secretary"])
    response = register(client, raw, world["a"], headers={"Idempotency-Key": key})
    assert not re.search(pattern, key.strip())
    assert_problem(response, 400)
    assert Document.select().count() == 0


def test_a_visible_ascii_idempotency_key_is_accepted(client, world):
    raw = token_for(world["secretary"])
    response = register(client, raw, world["a"], headers={"Idempotency-Key": "case-2026/15!"})
    assert response.status_code == 201


@pytest.mark.parametrize("written", ["20260301", "2026-W10-1", "2026-060", "2026-03-01T00:00"])
def test_a_date_not_written_yyyy_mm_dd_is_refused_as_format_date_says(client, world, written):
    raw = token_for(world["secretary"])
    problem = assert_problem(register(client, raw, world["a"], date=written), 422)
    assert "date" in problem["errors"]
    assert not re.search(openapi.DATE_PATTERN, written)
    assert Document.select().count() == 0
