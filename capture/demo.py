"""Demo data for a newcomer: two bodies, one user per role, random passwords printed once."""
import datetime as dt
import secrets
from pathlib import Path

from . import audit, scope
from .db import db
from .models import Body, CheckIn, FollowUp, Membership, User, now

USERS = [  # role, username, display name, body memberships
    ("admin", "admin", "王管理", []),
    ("liaison", "liaison", "李指导", [("YQFK", "liaison"), ("FXQX", "liaison")]),
    ("secretary", "secretary", "张文书", [("YQFK", "secretary")]),
    ("secretary", "secretary2", "陈文书", [("FXQX", "secretary")]),
    ("transfer_officer", "transfer", "赵移交", []),
    ("viewer", "viewer", "孙查阅", [("YQFK", "viewer")]),
]

BODIES = [
    dict(code="YQFK", name="区新冠肺炎疫情防控工作指挥部", fonds_code="J001", kind="epidemic",
         tier="key", cadence_days=7, lead_org="区人民政府", contact_person="张文书",
         default_responsible="区疫情防控工作指挥部", custodian="区卫生健康委员会",
         established_on=dt.date(2026, 1, 20), expected_end=dt.date(2027, 3, 31)),
    dict(code="FXQX", name="区防汛防台指挥部临时工作组", fonds_code="J002", kind="flood",
         tier="general", cadence_days=30, lead_org="区水务局", contact_person="陈文书",
         default_responsible="区防汛防台指挥部", custodian="区水务局",
         established_on=dt.date(2026, 6, 1), expected_end=dt.date(2026, 10, 31)),
]


def already_loaded():
    """True once the demo bodies exist."""
    return Body.select().where(Body.code.in_([b["code"] for b in BODIES])).exists()


def _guidance(bodies, liaison):
    """A held check-in with an open follow-up, and one arranged for tomorrow."""
    held = CheckIn.create(body=bodies["YQFK"], liaison=liaison, mode="on_site", status="held",
                          scheduled_for=now() - dt.timedelta(days=6), place="区政府 3 号楼 302 会议室",
                          contact_person="张文书", duration_minutes=90, recorded_at=now(),
                          findings="3 月以来的会议纪要未归档")
    FollowUp.create(checkin=held, action="补登 3 月以来的会议纪要", owner="张文书",
                    due=dt.date.today() + dt.timedelta(days=3))
    upcoming = CheckIn.create(body=bodies["FXQX"], liaison=liaison, mode="video",
                              scheduled_for=now() + dt.timedelta(days=1),
                              place="腾讯会议 123 456 789", contact_person="陈文书")
    for checkin in (held, upcoming):
        audit.record("checkin.schedule", checkin, {"demo": True}, body=checkin.body)


def load(data_dir):
    """Create the demo bodies and users; return [(role, username, password)]."""
    credentials = []
    with db.atomic():
        bodies = {}
        for fields in BODIES:
            body = Body.create(**fields)
            scope.seed(body)
            audit.record("body.create", body, {"demo": True}, body=body)
            bodies[body.code] = body
        for role, username, name, memberships in USERS:
            password = secrets.token_urlsafe(12)
            user = User(username=username, display_name=name, role=role, password_hash="",
                        email=f"{username}@example.org")
            user.set_password(password)
            user.save()
            audit.record("user.create", user, {"demo": True, "role": role})
            for code, member_role in memberships:
                Membership.create(user=user, body=bodies[code], role=member_role)
            credentials.append((role, username, password))
        _guidance(bodies, User.get(User.username == "liaison"))
    path = Path(data_dir) / "demo-credentials.txt"
    path.write_text("".join(f"{r}\t{u}\t{p}\n" for r, u, p in credentials), encoding="utf-8")
    path.chmod(0o600)
    return credentials
