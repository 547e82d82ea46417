"""Bodies: who sees what, creating and editing, members."""
from capture.models import AuditEvent, Body, Category, Membership, ScopeItem, User
from conftest import make_user

BODY_FORM = {"name": "区重大活动保障工作组", "code": "ZDHD", "fonds_code": "J003", "lead_org": "区政府办",
             "kind": "event", "tier": "key", "cadence_days": "", "established_on": "2026-05-01",
             "expected_end": "2026-12-31", "custodian": "区档案馆", "contact_person": "刘",
             "default_responsible": "区重大活动保障工作组"}


def test_secretary_sees_only_her_bodies(client, auth, world):
    auth.login("secretary")
    html = client.get("/bodies").get_data(as_text=True)
    assert "AAA 临时机构" in html and "BBB 临时机构" not in html


def test_secretary_cannot_see_or_guess_another_body(client, auth, world):
    auth.login("secretary")
    other = world["b"].id
    for url in (f"/bodies/{other}", f"/bodies/{other}/edit", f"/bodies/{other}/members",
                f"/bodies/{other}/audit", "/bodies/999999"):
        assert client.get(url).status_code == 404, url


def test_secretary_cannot_edit_her_own_body(client, auth, world):
    auth.login("secretary")
    assert client.get(f"/bodies/{world['a'].id}/edit").status_code == 403


def test_admin_creates_a_body_seeded_with_scope(client, auth, world):
    auth.login("admin")
    response = auth.post("/bodies/new", BODY_FORM)
    assert response.status_code == 302
    body = Body.get(Body.code == "ZDHD")
    assert body.cadence_days == 7  # key tier default
    assert Category.select().where(Category.body == body).count() >= 3
    assert ScopeItem.select().where(ScopeItem.body == body, ScopeItem.required).count() >= 5
    assert AuditEvent.get(AuditEvent.action == "body.create", AuditEvent.body == body)


def test_liaison_who_creates_a_body_looks_after_it(client, auth, world):
    auth.login("liaison")
    auth.post("/bodies/new", BODY_FORM)
    body = Body.get(Body.code == "ZDHD")
    assert Membership.get(Membership.body == body).role == "liaison"


def test_body_form_errors_keep_the_input(client, auth, world):
    auth.login("admin")
    response = auth.post("/bodies/new", dict(BODY_FORM, code="bad code", expected_end="2020-01-01"))
    html = response.get_data(as_text=True)
    assert "机构代码应为" in html and "预计撤销日期不能早于成立日期" in html
    assert "区重大活动保障工作组" in html  # what was typed is still there
    assert not Body.select().where(Body.name == BODY_FORM["name"]).exists()


def test_edit_keeps_old_values_in_the_audit_trail(client, auth, world):
    auth.login("liaison")
    body = world["a"]
    form = dict(BODY_FORM, code=body.code, name="改名后的机构")
    assert auth.post(f"/bodies/{body.id}/edit", form).status_code == 302
    event = AuditEvent.get(AuditEvent.action == "body.edit")
    assert "AAA 临时机构" in event.details and "改名后的机构" in event.details


def test_liaison_adds_a_member(client, auth, world):
    auth.login("liaison")
    body = world["a"]
    make_user("helper", "secretary")
    response = auth.post(f"/bodies/{body.id}/members", {"username": "helper", "role": "secretary"})
    assert response.status_code == 302
    assert Membership.select().where(Membership.body == body).count() == 4
    html = auth.post(f"/bodies/{body.id}/members", {"username": "nobody", "role": "viewer"}).get_data(as_text=True)
    assert "没有这个启用中的用户" in html


def test_audit_page_lists_body_events(client, auth, world):
    auth.login("liaison")
    html = client.get(f"/bodies/{world['a'].id}/audit").get_data(as_text=True)
    assert "临时机构登记" in html


def test_a_role_in_a_body_never_exceeds_the_account_role(client, auth, world):
    make_user("reader", "viewer")
    auth.login("liaison")
    response = auth.post(f"/bodies/{world['a'].id}/members", {"username": "reader", "role": "liaison"})
    assert "不能在机构中担任" in response.get_data(as_text=True)
    assert not Membership.select().join(User).where(User.username == "reader").exists()


def test_two_bodies_cannot_share_a_fonds_code(client, auth, world):
    auth.login("admin")
    taken = world["a"].fonds_code
    response = auth.post("/bodies/new", dict(BODY_FORM, fonds_code=taken))
    assert "两个机构共用全宗号会产生重复的档号" in response.get_data(as_text=True)
    assert not Body.select().where(Body.code == BODY_FORM["code"]).exists()
