"""Every route, as every role, on a body the user belongs to and on one they do not.

The table below is the explicit decision for each endpoint. A route that is not in it fails the
suite, so no route ships without someone deciding who may use it.
"""
import datetime as dt
import io

import pytest

from capture import jobs
from capture.guidance import calendar as calendar_feed
from capture.models import (CheckIn, ChronicleEntry, Commitment, Document, File, FollowUp, Job,
                            Membership, Notification, Transfer, User)
from capture.records import registry

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
    "healthz": PUBLIC,  # a liveness probe: answers "ok" and shows nothing
    "people.login": PUBLIC,
    "people.language": PUBLIC,
    "people.logout": ALL,
    "people.password": ALL,
    "people.own_sessions": ALL,  # ending one's own sessions ends on the login page, as logout
    "people.users": {"admin"},
    "people.create_user": {"admin"},
    "people.edit_user": {"admin"},
    "people.end_sessions": {"admin"},
    "records.home": ALL,
    "records.bodies": ALL,
    "records.create_body": {"admin", "liaison"},
    "records.body_detail": ALL,
    "records.edit_body": {"admin", "liaison"},
    "records.members": {"admin", "liaison"},
    "records.remove_member": {"admin", "liaison"},
    "records.audit_trail": ALL,  # who may read the body's documents may read their trail
    "records.documents": ALL,
    "records.document_detail": ALL,
    "records.download": ALL,
    "records.register": {"secretary", "liaison"},
    "records.edit_document": {"secretary", "liaison"},
    "records.withdraw": {"secretary", "liaison"},
    "records.add_file": {"secretary", "liaison"},
    "records.scope": {"GET": ALL, "POST": {"admin", "liaison"}},
    "records.filing_plan": ALL,
    "guidance.dashboard": {"admin", "liaison", "transfer_officer"},
    "guidance.statistics": {"admin", "liaison", "transfer_officer"},
    "guidance.statistics_xlsx": {"admin", "liaison", "transfer_officer"},
    "guidance.body_checkins": {"GET": ALL - {"viewer"}, "POST": {"admin", "liaison"}},
    "guidance.checkin": {"GET": ALL - {"viewer"}, "POST": {"admin", "liaison"}},
    "guidance.add_follow_up": {"admin", "liaison"},
    "guidance.record_phase": {"admin", "liaison", "secretary"},
    "guidance.tick_follow_up": {"secretary", "liaison"},
    "guidance.inbox": ALL,
    "guidance.open_notification": ALL,  # the user's own notification; another's is a 404 (tested there)
    "guidance.read_all": ALL,
    "guidance.calendar_settings": {"admin", "liaison"},
    "guidance.new_calendar_url": {"admin", "liaison"},
    "guidance.revoke_calendar_url": {"admin", "liaison"},
    "guidance.calendar_feed": PUBLIC,  # the secret token in the URL is the permission
    "transfer.index": {"admin", "transfer_officer"},
    "transfer.verify": {"admin", "transfer_officer"},
    "transfer.verify_job": {"admin", "transfer_officer"},
    "transfer.verify_restart": {"admin", "transfer_officer"},
    "transfer.body": ALL,
    "transfer.dissolve": {"admin", "liaison", "transfer_officer"},
    "transfer.confirm": {"admin", "liaison", "transfer_officer"},
    "transfer.correct_dissolution": {"admin", "liaison", "transfer_officer"},
    "transfer.check": {"admin", "transfer_officer"},
    "transfer.report": ALL,
    "transfer.report_file": ALL,
    "transfer.commit": {"admin", "transfer_officer"},
    "transfer.fulfil": {"admin", "transfer_officer"},
    "transfer.commitments_file": ALL,
    "transfer.export": {"admin", "transfer_officer"},
    "transfer.download": {"admin", "transfer_officer"},
    "transfer.register": {"admin", "transfer_officer"},
    "transfer.receive": {"admin", "transfer_officer"},
    "transfer.descriptions": {"GET": ALL, "POST": {"secretary", "liaison", "transfer_officer"}},
    "transfer.descriptions_file": ALL,
    "transfer.edit_event": {"secretary", "liaison", "transfer_officer"},
    "imports.upload": {"secretary", "liaison"},
    "imports.confirm": {"secretary", "liaison"},
    "imports.job": {"secretary", "liaison"},
    "imports.restart": {"secretary", "liaison"},
    "ops.fixity_index": {"admin"},
    "ops.start_fixity": {"admin"},
    "ops.fixity_job": {"admin"},
    "ops.fixity_restart": {"admin"},
    "playbooks.index": {"admin", "liaison", "transfer_officer"},
    "playbooks.detail": {"admin", "liaison", "transfer_officer"},
    "playbooks.export": {"admin", "liaison", "transfer_officer"},
    # Liaisons too where an administrator allows it for the kind (tested in test_playbooks.py).
    "playbooks.import_workbook": {"admin"},
    "playbooks.edit": {"admin"},
    "playbooks.new_kind": {"admin"},
    "playbooks.settings": {"admin"},
    "playbooks.body": ALL,
    "playbooks.adopt": {"admin", "liaison"},
    "playbooks.propose": {"admin", "liaison"},
    "people.tokens": ALL,
    "people.revoke_token": ALL,
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
# Pages that need something to exist first (a check report, a failing finding): a role that is
# allowed may get 404 when it does not; a role that is not allowed must still get 403 / 404.
NEEDS_PRECONDITION = {"transfer.commit", "transfer.report_file",
                      # an import job is its uploader's alone: another allowed role gets 404
                      "imports.job", "imports.restart", "transfer.verify_job",
                      "transfer.verify_restart",
                      # the job filled in is an import's, not a fixity pass: the admin gets 404
                      "ops.fixity_job", "ops.fixity_restart"}
# Who can see body A at all: members (secretary, liaison, viewer) and the all-seeing roles.
SEES_A = ALL
SEES_B = {"admin", "transfer_officer"}  # B has no members among the test users


def _params(world, rule, body, role=None):
    """Fill a rule's URL parameters with ids that belong to `body` (and to the user `role`)."""
    values = {}
    for name in rule.arguments:
        if name in OBJECTS:
            values[name] = OBJECTS[name](body).id
            continue
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
        elif name == "notification_id":
            user = User.get(User.username == (role or "admin"))
            values[name] = Notification.get(Notification.user == user).id
        elif name == "token":
            values[name] = world["calendar_token"]
        elif name == "kind":
            values[name] = "epidemic"
        elif name == "fmt":
            values[name] = "json"
        elif name == "filename":
            values[name] = "app.css"
        else:
            raise AssertionError(f"test_permissions_matrix does not know how to fill <{name}> of {rule}")
    return values


# Routes that end the user's session: checked last, so the check of the others runs logged in.
ENDS_SESSION = ("people.own_sessions", "people.logout")


def _routes(app):
    # Pages before actions (a POST may change what a page shows, e.g. a new calendar token),
    # and logging out last, so the check of the other routes runs logged in.
    return sorted(app.url_map.iter_rules(),
                  key=lambda rule: (rule.endpoint in ENDS_SESSION, rule.endpoint == "people.logout",
                                    "GET" not in rule.methods))


def test_every_route_has_a_decision(app):
    undecided = sorted({rule.endpoint for rule in _routes(app)} - set(EXPECTED))
    assert not undecided, f"routes without an entry in EXPECTED: {undecided}"


# URL parameter -> (model, how to reach its body) for objects that belong to a body.
OBJECTS = {
    "checkin_id": lambda body: CheckIn.get(CheckIn.body == body),
    "follow_up_id": lambda body: FollowUp.select().join(CheckIn).where(CheckIn.body == body).get(),
    "commitment_id": lambda body: Commitment.get(Commitment.body == body),
    "transfer_id": lambda body: Transfer.get(Transfer.body == body),
    "entry_id": lambda body: ChronicleEntry.get(ChronicleEntry.body == body),
    "job_id": lambda body: Job.get(Job.body == body),
}


@pytest.fixture
def documents(app, world, tmp_path):
    """In each body: a document with a file, a check-in with a follow-up, a commitment, a chronicle
    entry and an exported transfer; for each user a notification; a calendar token."""
    for body in (world["a"], world["b"]):
        checkin = CheckIn.create(body=body, liaison=world["liaison"], scheduled_for=dt.datetime(2026, 3, 1, 2))
        FollowUp.create(checkin=checkin, action="补登会议纪要", due=dt.date(2026, 3, 8))
        Commitment.create(body=body, what="工作总结", promised_by="张", due=dt.date(2026, 12, 1),
                          created_by=world["admin"])
        ChronicleEntry.create(body=body, date=dt.date(2026, 1, 1), event="成立", created_by=world["admin"])
        package = tmp_path / f"{body.code}.zip"
        package.write_bytes(b"PK\x05\x06" + bytes(18))
        (tmp_path / f"{body.code}-register.docx").write_bytes(b"register")
        Transfer.create(body=body, run_by=world["transfer_officer"], status="exported",
                        package_path=str(package))
    for user in User.select():
        Notification.create(user=user, kind="test", key=f"matrix-{user.id}", message="测试", link="/")
    world["calendar_token"] = calendar_feed.issue(world["liaison"])
    for body in (world["a"], world["b"]):
        jobs.enqueue("import.check", world["secretary"], body, {"staged": "0" * 32})
    for body in (world["a"], world["b"]):
        registry.register_document(
            body, world["secretary"],
            {"category": "", "retention": "Y", "carrier": "electronic", "doc_number": "",
             "responsible": "区政府", "title": "关于成立工作组的通知", "date": "2026-02-01",
             "pages": "1", "security": "", "scope_item": "", "remarks": ""},
            [("通知.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"), None)], store=app.extensions["store"])


def _expected_status(endpoint, role, sees_body, body_route, method, got=None):
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
    if role in allowed:
        return 404 if endpoint in NEEDS_PRECONDITION and got == 404 else "ok"
    return 403


def _classify(response):
    if response.status_code in (200, 302, 303) and not response.headers.get("Location", "").startswith("/login"):
        return "ok"
    if response.status_code == 302:
        return "login"
    if response.status_code in (400, 409, 422):
        return "ok"  # reached the view, which refused the (empty) input or the state
    return response.status_code


@pytest.mark.parametrize("role", (None,) + ROLES)
def test_every_route_as_every_role(app, world, documents, role):
    client = app.test_client()
    auth = AuthActions(client)
    if role:
        auth.login(role)
    failures = _check_every_route(app, world, client, role, role in SEES_A, role in SEES_B)
    assert not failures, "\n".join(failures)


def _check_every_route(app, world, client, role, sees_a, sees_b, overrides=None):
    """Every route on body A and B as `role`; the list of answers that differ from EXPECTED."""
    token = csrf_token(client.get("/login" if role is None else "/"))
    failures = []
    for rule in _routes(app):
        body_route = "body_id" in rule.arguments
        for label, body, sees in (("own", world["a"], sees_a), ("other", world["b"], sees_b)):
            if not body_route and label == "other":
                continue
            url = rule.build(_params(world, rule, body, role or "admin"), append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if method == "GET":
                    got = _classify(client.get(url))
                else:
                    got = _classify(client.post(url, data={"csrf_token": token}))
                expected = (overrides or {}).get(rule.endpoint) or _expected_status(
                    rule.endpoint, role, sees, body_route, method, got)
                if rule.endpoint in ENDS_SESSION and role and got == "login":
                    got = "ok"  # logging out ends on the login page
                if got != expected:
                    failures.append(f"{method} {rule.endpoint} {url} ({label} body): "
                                    f"expected {expected}, got {got}")
    return failures


def _demote(world):
    User.update(role="viewer").where(User.id == world["liaison"].id).execute()


def _deactivate(world):
    User.update(active=False).where(User.id == world["liaison"].id).execute()


def _remove(world):
    Membership.delete().where(Membership.user == world["liaison"].id).execute()


# What the liaison of body A is after each change: (role to expect, sees body A, exceptions).
# The calendar feed (the liaison's secret URL) stops with the power to subscribe to it.
CHANGES = {"demotion": (_demote, "viewer", True, {"guidance.calendar_feed": 404}),
           "deactivation": (_deactivate, None, False, {"guidance.calendar_feed": 404}),
           "removal": (_remove, "liaison", False, {})}


@pytest.mark.parametrize("change", CHANGES)
def test_every_route_the_moment_after_a_change(app, world, documents, change):
    """The liaison's open session acts with what is left on the very next request."""
    client = app.test_client()
    AuthActions(client).login("liaison")
    assert client.get(f"/bodies/{world['a'].id}/members").status_code == 200
    apply, role, sees_a, overrides = CHANGES[change]
    apply(world)
    failures = _check_every_route(app, world, client, role, sees_a, False, overrides)
    assert not failures, "\n".join(failures)


# API routes on body A that the liaison's token may use before the change, with what each change
# leaves: (method, path, expected status after demotion, after deactivation, after removal).
API_AFTER = [
    ("GET", "/api/v1/bodies/{a}", 200, 401, 404),
    ("GET", "/api/v1/bodies/{a}/documents", 200, 401, 404),
    ("GET", "/api/v1/bodies/{a}/checkins", 403, 401, 404),
    ("POST", "/api/v1/bodies/{a}/documents", 403, 401, 404),
    ("POST", "/api/v1/bodies/{a}/documents/{document}/files", 403, 401, 404),
]


@pytest.mark.parametrize("change", CHANGES)
def test_every_api_token_the_moment_after_a_change(app, client, world, documents, change):
    from capture.people import tokens
    raw = tokens.create(world["liaison"], "案件系统", "read write")[1]
    headers = {"Authorization": f"Bearer {raw}"}
    document = Document.get(Document.body == world["a"])
    assert client.get(f"/api/v1/bodies/{world['a'].id}", headers=headers).status_code == 200
    CHANGES[change][0](world)
    column = 2 + list(CHANGES).index(change)
    failures = []
    for row in API_AFTER:
        path = row[1].format(a=world["a"].id, document=document.id)
        response = (client.get(path, headers=headers) if row[0] == "GET" else
                    client.post(path, headers=headers, data={"title": "x"},
                                content_type="multipart/form-data"))
        if response.status_code != row[column]:
            failures.append(f"{row[0]} {path}: expected {row[column]}, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_no_post_works_without_csrf(app, world, documents):
    client = app.test_client()
    AuthActions(client).login("admin")
    for rule in _routes(app):
        if ("POST" not in rule.methods or rule.endpoint == "people.login"
                or EXPECTED[rule.endpoint] == TOKEN):
            continue  # the API takes no cookies, so there is nothing for a forged request to ride on
        url = rule.build(_params(world, rule, world["a"], "admin"), append_unknown=False)[1]
        response = client.post(url, data={})
        assert response.status_code == 400, f"{rule.endpoint} accepted a POST without a CSRF token"
