"""Every route, as every role, on a body the user belongs to and on one they do not.

The table below is the explicit decision for each endpoint. A route that is not in it fails the
suite, so no route ships without someone deciding who may use it.
"""
import io

import pytest

from capture import registry
from capture.models import Document, File, Membership, Transfer
from conftest import AuthActions, csrf_token

ROLES = ("admin", "liaison", "secretary", "transfer_officer", "viewer")
ALL = set(ROLES)
PUBLIC = "public"  # no login needed
# The JSON API authenticates bearer tokens only: a logged-in browser session gets 401 whatever its
# role, so that the CSRF-exempt API cannot be driven by a cookie. Token permissions are tested in
# test_api.py (the token acts with its user's role, exactly as this table says for the web).
TOKEN = "token"

# endpoint -> roles that may use it (on a body they can see, for body routes), or PUBLIC.
EXPECTED = {
    "static": PUBLIC,
    "account.login": PUBLIC,
    "account.language": PUBLIC,
    "account.logout": ALL,
    "account.password": ALL,
    "admin.users": {"admin"},
    "admin.create_user": {"admin"},
    "admin.edit_user": {"admin"},
    "bodies.home": ALL,
    "bodies.index": ALL,
    "bodies.create": {"admin", "liaison"},
    "bodies.detail": ALL,
    "bodies.edit": {"admin", "liaison"},
    "bodies.members": {"admin", "liaison"},
    "bodies.remove_member": {"admin", "liaison"},
    "bodies.audit_trail": {"admin", "liaison"},
    "documents.index": ALL,
    "documents.detail": ALL,
    "documents.download": ALL,
    "documents.register": {"secretary", "liaison"},
    "documents.edit": {"secretary", "liaison"},
    "documents.withdraw": {"secretary", "liaison"},
    "documents.add_file": {"secretary", "liaison"},
    "documents.scope": {"GET": ALL, "POST": {"admin", "liaison"}},
    "imports.upload": {"secretary", "liaison"},
    "imports.confirm": {"secretary", "liaison"},
    "api_tokens.index": ALL,
    "api_tokens.revoke": ALL,
    "api.openapi_document": PUBLIC,
    "api.docs": PUBLIC,
    "api.token": TOKEN,
    "api.bodies": TOKEN,
    "api.body": TOKEN,
    "api.documents": TOKEN,
    "api.register": TOKEN,
    "api.document": TOKEN,
    "api.add_files": TOKEN,
    "api.file_content": TOKEN,
    "api.checkins": TOKEN,
    "api.follow_ups": TOKEN,
    "api.transfers": TOKEN,
    "api.transfer": TOKEN,
    "api.transfer_package": TOKEN,
}
# Who can see body A at all: members (secretary, liaison, viewer) and the all-seeing roles.
SEES_A = ALL
SEES_B = {"admin", "transfer_officer"}  # B has no members among the test users


def _params(world, rule, body):
    """Fill a rule's URL parameters with ids that belong to `body`."""
    values = {}
    for name in rule.arguments:
        if name == "body_id":
            values[name] = body.id
        elif name == "user_id":
            values[name] = world["viewer"].id
        elif name == "member_id":
            member = Membership.get_or_none(Membership.body == body) or Membership.get()
            values[name] = member.id
        elif name == "document_id":
            values[name] = Document.get(Document.body == body).id
        elif name == "file_id":
            values[name] = File.select().join(Document).where(Document.body == body).get().id
        elif name == "transfer_id":
            transfer = Transfer.get_or_none(Transfer.body == body)
            values[name] = transfer.id if transfer else 1
        elif name == "filename":
            values[name] = "app.css"
        else:
            raise AssertionError(f"test_permissions_matrix does not know how to fill <{name}> of {rule}")
    return values


def _routes(app):
    # Logging out last, so the check of the other routes runs logged in.
    return sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint == "account.logout")


def test_every_route_has_a_decision(app):
    undecided = sorted({rule.endpoint for rule in _routes(app)} - set(EXPECTED))
    assert not undecided, f"routes without an entry in EXPECTED: {undecided}"


@pytest.fixture
def documents(app, world):
    """One registered document with a file in each body."""
    for body in (world["a"], world["b"]):
        registry.register_document(
            body, world["secretary"],
            {"category": "", "retention": "Y", "carrier": "electronic", "doc_number": "",
             "responsible": "区政府", "title": "关于成立工作组的通知", "date": "2026-02-01",
             "pages": "1", "security": "", "scope_item": "", "remarks": ""},
            [("通知.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"), None)], store=app.extensions["store"])


def _expected_status(endpoint, role, sees_body, body_route, method):
    allowed = EXPECTED[endpoint]
    if isinstance(allowed, dict):
        allowed = allowed[method]
    if allowed == PUBLIC:
        return "ok"
    if allowed == TOKEN:
        return 401
    if role is None:
        return "login"
    if body_route and not sees_body:
        return 404
    return "ok" if role in allowed else 403


def _classify(response):
    if response.status_code in (200, 302, 303) and not response.headers.get("Location", "").startswith("/login"):
        return "ok"
    if response.status_code == 302:
        return "login"
    if response.status_code in (400, 422):
        return "ok"  # reached the view, which refused the (empty) input
    return response.status_code


@pytest.mark.parametrize("role", (None,) + ROLES)
def test_every_route_as_every_role(app, world, documents, role):
    client = app.test_client()
    auth = AuthActions(client)
    if role:
        auth.login(role)
    token = csrf_token(client.get("/login" if role is None else "/"))
    failures = []
    for rule in _routes(app):
        body_route = "body_id" in rule.arguments
        for label, body, sees in (("own", world["a"], role in SEES_A),
                                  ("other", world["b"], role in SEES_B)):
            if not body_route and label == "other":
                continue
            url = rule.build(_params(world, rule, body), append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                expected = _expected_status(rule.endpoint, role, sees, body_route, method)
                if method == "GET":
                    got = _classify(client.get(url))
                else:
                    got = _classify(client.post(url, data={"csrf_token": token}))
                if rule.endpoint == "account.logout" and role and got == "login":
                    got = "ok"  # logging out ends on the login page
                if got != expected:
                    failures.append(f"{method} {rule.endpoint} {url} ({label} body): "
                                    f"expected {expected}, got {got}")
    assert not failures, "\n".join(failures)


def test_no_post_works_without_csrf(app, world, documents):
    client = app.test_client()
    AuthActions(client).login("admin")
    for rule in _routes(app):
        if "POST" not in rule.methods or rule.endpoint == "account.login" or EXPECTED[rule.endpoint] == TOKEN:
            continue  # the API takes no cookies, so there is nothing for a forged request to ride on
        url = rule.build(_params(world, rule, world["a"]), append_unknown=False)[1]
        response = client.post(url, data={})
        assert response.status_code == 400, f"{rule.endpoint} accepted a POST without a CSRF token"
