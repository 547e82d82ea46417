"""Safe defaults: a role and a kind are chosen, never inherited; first documents get a category."""
import re

from capture.models import Body, Category, Document, Membership, User

from conftest import make_body
from test_bodies import BODY_FORM as BODY
from test_documents import form as document_form


def _selected(html, name):
    """The option a browser shows chosen: the one marked selected, else the first."""
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    chosen = re.search(r'<option selected value="([^"]*)"', select) or re.search(
        r'<option[^>]*value="([^"]*)"', select)
    return chosen.group(1)


def test_a_new_users_role_must_be_chosen_and_is_never_admin_by_default(client, auth, world):
    auth.login("admin")
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert _selected(html, "role") == ""
    response = auth.post("/admin/users/new", {
        "username": "newbie", "display_name": "新人", "email": "", "language": "zh_Hans",
        "active": "y", "password": "long enough password"})
    assert response.status_code == 200 and "请选择角色" in response.get_data(as_text=True)
    assert not User.select().where(User.username == "newbie").exists()


def test_a_new_bodys_kind_must_be_chosen(client, auth, world):
    auth.login("admin")
    html = client.get("/bodies/new").get_data(as_text=True)
    # The kind is asked first, from a list of kinds with none chosen; the form follows a choice.
    assert "先选择机构类型" in html and 'name="kind"' not in html
    response = auth.post("/bodies/new", dict(BODY, kind=""))
    assert "请选择机构类型" in response.get_data(as_text=True)
    assert not Body.select().where(Body.code == BODY["code"]).exists()


def test_a_new_bodys_first_document_is_offered_its_first_category(client, auth, world):
    body = make_body("GAME", kind="event", fonds_code="J009")
    Membership.create(user=world["secretary"], body=body, role="secretary")
    auth.login("secretary")
    html = client.get(f"/bodies/{body.id}/documents/new").get_data(as_text=True)
    first = Category.select().where(Category.body == body).order_by(Category.sort).first()
    assert _selected(html, "category") == first.code == "ZH"
    url = f"/bodies/{body.id}/documents/new"
    auth.post(url, document_form(category=_selected(html, "category"), carrier="paper"), page=url)
    assert Document.get(Document.body == body).reference_code == "J009-WS·2026-Y-ZH-0001"
