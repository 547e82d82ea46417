"""A member's powers in a body are the lesser of the membership and the account role, at every request."""
import io

from capture.models import AuditEvent, Document, Membership, User
from capture.ops import samples
from capture.people import auth

from conftest import AuthActions, make_user

FIELDS = {"category": "ZH", "retention": "Y", "carrier": "electronic", "doc_number": "",
          "responsible": "区政府", "title": "降级后登记的文件", "date": "2026-03-15", "pages": "1"}


def change_role(app, user, role, active=True):
    """The administrator changes a user's account role through the admin page."""
    admin = AuthActions(app.test_client())
    admin.login("admin")
    data = {"username": user.username, "display_name": user.display_name, "email": "",
            "role": role, "language": "zh_Hans"}
    if active:
        data["active"] = "y"
    response = admin.post(f"/admin/users/{user.id}", data)
    assert response.status_code == 302
    return admin


def register_on_web(client, auth, body):
    page = f"/bodies/{body.id}/documents/new"
    return auth.post(page, dict(FIELDS, files=(io.BytesIO(samples.pdf("x")), "x.pdf")),
                     content_type="multipart/form-data")


def test_member_roles_form_a_chain():
    # effective_role takes "the lesser" of two roles; that is only meaningful while every power
    # of a lower member role is also a power of each higher one.
    for action, allowed in auth.BODY_ACTIONS.items():
        ranks = sorted(rank for role, rank in auth.MEMBER_RANK.items() if role in allowed)
        assert not ranks or ranks == list(range(ranks[0], 3)), action


def test_effective_role_is_the_lesser_of_membership_and_account():
    assert auth.effective_role("viewer", "liaison") == "viewer"
    assert auth.effective_role("secretary", "liaison") == "secretary"
    assert auth.effective_role("liaison", "secretary") == "secretary"
    assert auth.effective_role("liaison", "liaison") == "liaison"
    assert auth.effective_role("admin", "viewer") == "admin"
    assert auth.effective_role("viewer", None) is None


def test_demoted_liaison_loses_the_powers_in_the_open_session(app, client, auth, world):
    auth.login("liaison")
    assert client.get(f"/bodies/{world['a'].id}/members").status_code == 200
    change_role(app, world["liaison"], "viewer")
    # The very next request of the session that was open acts as a viewer.
    assert client.get(f"/bodies/{world['a'].id}/members").status_code == 403
    assert client.get(f"/bodies/{world['a'].id}").status_code == 200  # still sees the body
    response = auth.post(f"/bodies/{world['a'].id}/members", {"username": "secretary", "role": "viewer"},
                         page=f"/bodies/{world['a'].id}")
    assert response.status_code == 403
    assert register_on_web(client, auth, world["a"]).status_code == 403
    assert Document.select().count() == 0


def test_demoted_liaison_logging_in_again_is_a_viewer(app, world):
    change_role(app, world["liaison"], "viewer")
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login("liaison").status_code == 302
    assert client.get(f"/bodies/{world['a'].id}/members").status_code == 403
    assert register_on_web(client, auth, world["a"]).status_code == 403
    assert Membership.select().where(Membership.user == world["liaison"].id).count() == 1


def test_demoted_liaisons_api_token_acts_as_a_viewer(app, client, world):
    from test_api import bearer, register, token_for
    raw = token_for(world["liaison"])
    change_role(app, world["liaison"], "viewer")
    response = register(client, raw, world["a"])
    assert response.status_code == 403
    listed = client.get("/api/v1/bodies", headers=bearer(raw)).get_json()
    assert [(b["code"], b["role"]) for b in listed["items"]] == [("AAA", "viewer")]


def test_a_liaison_made_secretary_files_but_manages_no_members(app, client, auth, world):
    change_role(app, world["liaison"], "secretary")
    auth.login("liaison")
    assert register_on_web(client, auth, world["a"]).status_code == 302
    assert client.get(f"/bodies/{world['a'].id}/members").status_code == 403


def test_the_admin_is_told_which_memberships_a_demotion_reduced(app, world):
    admin = change_role(app, world["liaison"], "viewer")
    page = admin._client.get("/admin/users").get_data(as_text=True)
    assert "成员身份已不按原角色生效" in page and "AAA（登记为“档案指导员”，现按“只读用户”）" in page
    event = AuditEvent.select().where(AuditEvent.action == "user.edit").order_by(AuditEvent.id.desc()).get()
    assert '"memberships_beyond_role": [{"acts_as": "viewer", "body": "AAA", "role": "liaison"}]' in event.details
    form = admin._client.get(f"/admin/users/{world['liaison'].id}").get_data(as_text=True)
    assert "<strong>只读用户</strong>" in form
    members = admin._client.get(f"/bodies/{world['a'].id}/members").get_data(as_text=True)
    assert "现按“只读用户”" in members


def test_promotion_back_restores_the_membership(app, client, auth, world):
    change_role(app, world["liaison"], "viewer")
    change_role(app, User.get_by_id(world["liaison"].id), "liaison")
    auth.login("liaison")
    assert client.get(f"/bodies/{world['a'].id}/members").status_code == 200


def test_notifications_go_to_those_who_act_as_liaisons(app, world):
    from capture.guidance import checkins
    make_user("second", "liaison")
    assert [u.username for u in checkins.liaison_choices(world["a"], world["admin"])] == ["admin", "liaison"]
    User.update(role="viewer").where(User.id == world["liaison"].id).execute()
    assert [u.username for u in checkins.liaison_choices(world["a"], world["admin"])] == ["admin"]


def test_a_liaisons_calendar_feed_follows_the_powers(app, client, auth, world):
    import datetime as dt

    from capture.guidance import calendar as calendar_feed
    from capture.models import CheckIn
    for body in (world["a"], world["b"]):
        Membership.get_or_create(user=world["liaison"], body=body, defaults={"role": "liaison"})
        CheckIn.create(body=body, liaison=world["liaison"], scheduled_for=dt.datetime.now() + dt.timedelta(days=3))
    feed = f"/calendar/{calendar_feed.issue(world['liaison'])}.ics"
    assert client.get(feed).get_data(as_text=True).count("BEGIN:VEVENT") == 2
    Membership.delete().where(Membership.user == world["liaison"].id, Membership.body == world["b"].id).execute()
    text = client.get(feed).get_data(as_text=True)
    assert text.count("BEGIN:VEVENT") == 1 and world["b"].name not in text
    change_role(app, world["liaison"], "viewer")
    assert client.get(feed).status_code == 404


def test_a_job_queued_before_a_demotion_does_not_run_with_the_old_powers(app, world):
    from capture import jobs
    from capture.models import Job
    from capture.ops import worker
    job = jobs.enqueue("import.check", world["secretary"], world["a"], {"staged": "0" * 32})
    User.update(role="viewer").where(User.id == world["secretary"].id).execute()
    worker.run_next(app)
    job = Job.get_by_id(job.id)
    assert job.status == "failed" and "已无权执行" in job.message
