"""The small edges: HSTS with secure cookies, no caching of pages behind login, and an API that
refuses what it cannot read exactly (empty or repeated parameters, words for booleans, a file
part without a name) instead of guessing."""
import io

import pytest

from capture.models import Document
from test_api import FIELDS, bearer, register, token_for


def test_hsts_is_sent_exactly_when_cookies_are_secure(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["COOKIE_SECURE"] = True
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_behind_login_are_not_stored_by_caches(client, auth, world):
    assert client.get("/login").headers.get("Cache-Control") != "no-store"
    auth.login("secretary")
    assert client.get("/bodies").headers["Cache-Control"] == "no-store"
    assert client.get(f"/bodies/{world['a'].id}").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")


@pytest.mark.parametrize("query", ["per_page=&per_page=abc", "per_page=", "per_page=5&per_page=5",
                                   "page=abc"])
def test_the_api_refuses_empty_repeated_or_malformed_parameters_by_name(client, world, query):
    raw = token_for(world["secretary"])
    response = client.get(f"/api/v1/bodies/{world['a'].id}/documents?{query}", headers=bearer(raw))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [query.split("=")[0]]


@pytest.mark.parametrize("value", ["yes", "{}", "y"])
def test_the_api_refuses_words_it_does_not_take_for_a_boolean(client, world, value):
    raw = token_for(world["secretary"])
    response = register(client, raw, world["a"], title_supplied=value)
    assert response.status_code == 422 and "title_supplied" in response.get_json()["errors"]
    assert Document.select().count() == 0
    assert register(client, raw, world["a"], title_supplied="true").status_code == 201


def test_the_api_refuses_a_file_part_without_a_name(client, world):
    raw = token_for(world["secretary"])
    data = dict(FIELDS, files=[(io.BytesIO(b"%PDF-1.4 scan"), "")])
    response = client.post(f"/api/v1/bodies/{world['a'].id}/documents", data=data,
                           content_type="multipart/form-data", headers=bearer(raw))
    assert response.status_code == 422 and "files" in response.get_json()["errors"]
    assert Document.select().count() == 0
