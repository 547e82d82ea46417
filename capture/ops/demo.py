"""Demo data for a newcomer: two bodies, one user per role, random passwords printed once."""
import datetime as dt
import io
import secrets
from pathlib import Path

from capture import audit, clock, storage
from capture.db import db
from capture.models import (Body, CheckIn, ChronicleEntry, Document, FollowUp, Membership, Phase,
                            ScopeItem, User)
from capture.records import registry, scope
from capture.records.playbooks import versions as playbooks

from . import samples

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


def _at_local(days, hour):
    """UTC time of `hour` o'clock in the archive's zone, `days` from today (stored times are UTC)."""
    day = clock.today() + dt.timedelta(days=days)
    return clock.to_utc(dt.datetime.combine(day, dt.time(hour)), clock.archive_zone())


def _guidance(bodies, liaison):
    """A held check-in with an open follow-up, and one arranged for tomorrow."""
    held = CheckIn.create(body=bodies["YQFK"], liaison=liaison, mode="on_site", status="held",
                          scheduled_for=_at_local(-6, 9), place="区政府 3 号楼 302 会议室",
                          contact_person="张文书", duration_minutes=90, recorded_at=clock.utc_now(),
                          findings="3 月以来的会议纪要未归档")
    FollowUp.create(checkin=held, action="补登 3 月以来的会议纪要", owner="张文书",
                    due=clock.today() + dt.timedelta(days=3))
    upcoming = CheckIn.create(body=bodies["YQFK"], liaison=liaison, mode="video",
                              scheduled_for=_at_local(1, 14),
                              place="腾讯会议 123 456 789", contact_person="张文书")
    for checkin in (held, upcoming):
        audit.record("checkin.schedule", checkin, {"demo": True}, body=checkin.body)
    _milestones(bodies, liaison)


def _milestones(bodies, liaison):
    """节点指导: each body's founding visit, the epidemic body's raised response level (met by the
    visit six days ago), the flood body's announced dissolution and its pre-transfer visit."""
    epidemic, flood = bodies["YQFK"], bodies["FXQX"]
    visits = [
        (epidemic, dt.datetime(2026, 1, 22, 1), "on_site", False, "区政府 3 号楼 302 会议室",
         "商定归档范围和归档计划（预立卷），确定情况日报、工作周报逐期归档"),
        (flood, dt.datetime(2026, 6, 3, 6), "phone", False, "",
         "电话指导：商定归档范围和归档计划"),
        (flood, dt.datetime(2026, 10, 28, 1), "on_site", True, "区水务局 205 会议室",
         "移交前指导：按四性检测结果补齐工作总结和撤销通知"),
    ]
    for body, when, mode, is_final, place, findings in visits:
        checkin = CheckIn.create(body=body, liaison=liaison, mode=mode, status="held", is_final=is_final,
                                 scheduled_for=when, place=place, duration_minutes=60,
                                 recorded_at=clock.utc_now(), findings=findings)
        audit.record("checkin.outcome", checkin, {"demo": True, "status": "held", "mode": mode,
                                                  "findings": findings, "follow_ups": []}, body=body)
    phases = [(epidemic, clock.today() - dt.timedelta(days=DAILY_SINCE), "响应级别提升为一级"),
              (flood, dt.date(2026, 10, 20), "宣布汛期结束，工作组将于 10 月 31 日撤销")]
    for body, on, name in phases:
        phase = Phase.create(body=body, on=on, name=name, calls_for_checkin=True, created_by=liaison)
        audit.record("phase.record", phase, {"demo": True, "name": name}, body=body)


# What the archive learned from earlier bodies of the two demo kinds: series filed period by period
# (预立卷), which the demo bodies, seeded from these versions, follow.
PLAYBOOK_SERIES = {
    "epidemic": ("各地疫情防控指挥部均逐日形成疫情日报、逐周形成工作周报", [
        {"name": "疫情情况日报", "required": True, "retention": "D30", "recurrence": "daily"},
        {"name": "疫情防控工作周报", "required": True, "retention": "D30", "recurrence": "weekly"}]),
    "flood": ("防汛工作组按月报送汛期工作月报；抢险救援记录单独归档", [
        {"name": "汛期工作月报", "required": True, "retention": "D30", "recurrence": "monthly"},
        {"name": "抢险救援记录", "required": False, "retention": "D30", "recurrence": ""}]),
}


def _playbooks():
    """Give the epidemic and flood playbooks the series the demo bodies follow (a new version each)."""
    for kind, (reason, items) in PLAYBOOK_SERIES.items():
        playbook = playbooks.get(kind)
        content = playbooks.content_of(playbooks.current(playbook))
        known = {item["name"] for item in content["scope"]}
        content["scope"] += [item for item in items if item["name"] not in known]
        playbooks.new_version(playbook, content, None, reason, details={"demo": True})


def load(data_dir, store=None):
    """Create the demo bodies, users and documents; return [(role, username, password)]."""
    credentials, users = [], {}
    with db.atomic():
        _playbooks()
        bodies = {}
        for fields in BODIES:
            body = Body.create(**fields)
            scope.seed(body)
            audit.record("body.create", body, {"demo": True}, body=body)
            bodies[body.code] = body
        # The flood body filed the people it moved as an item of its own, which its playbook lacks:
        # what the archive learns from it once it is dissolved (records/playbooks/learning.py).
        ScopeItem.create(body=bodies["FXQX"], name="群众转移安置统计表", required=True, sort=95)
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
            users[username] = user
        store = store or storage.Store(Path(data_dir) / "store")
        load_documents(bodies, users, store)
        expected_series(bodies["YQFK"], users["secretary"], store)
        monthly_reports(bodies["FXQX"], users["secretary2"], store)
        _guidance(bodies, users["liaison"])
    dissolve_demo_flood_body()
    path = Path(data_dir) / "demo-credentials.txt"
    path.write_text("".join(f"{r}\t{u}\t{p}\n" for r, u, p in credentials), encoding="utf-8")
    path.chmod(0o600)
    return credentials


# Per body: who registers, then (category, retention, carrier, 文号, title, date, pages,
# scope item name prefix, file kind). Dates fall inside the body's life.
DOCUMENTS = {
    "YQFK": ("secretary", [
        ("ZH", "Y", "electronic", "区府〔2026〕5号", "关于成立区新冠肺炎疫情防控工作指挥部的通知", "2026-01-20", 3, "成立文件", "pdfa"),
        ("ZH", "Y", "electronic", "区疫指〔2026〕1号", "区疫情防控工作指挥部成员名单及职责分工", "2026-01-21", 4, "成员名单", "pdfa"),
        ("FK", "Y", "electronic", "区疫指〔2026〕2号", "区新冠肺炎疫情防控工作方案", "2026-01-23", 12, "工作方案", "pdfa"),
        ("ZH", "Y", "electronic", "", "指挥部第一次全体会议纪要", "2026-01-24", 5, "会议纪要", "pdfa"),
        ("ZH", "D30", "electronic", "", "指挥部第二次会议纪要", "2026-02-07", 4, "会议纪要", "pdfa"),
        ("XC", "D30", "electronic", "", "疫情防控工作简报（第1期）", "2026-02-01", 6, "情况报告", "pdfa"),
        ("XC", "D30", "electronic", "", "疫情防控工作简报（第2期）", "2026-02-15", 6, "情况报告", "pdfa"),
        ("FK", "D30", "electronic", "区疫指〔2026〕6号", "关于加强农贸市场疫情防控工作的通知", "2026-02-10", 2, "发布的通知", "pdfa"),
        ("BZ", "D10", "electronic", "", "防疫物资调拨清单（2月）", "2026-02-28", 3, None, "pdf"),
        ("FK", "D30", "photo", "", "集中隔离点现场检查照片", "2026-02-12", 0, "重要活动", "jpeg"),
        ("YL", "D30", "photo", "", "方舱核酸采样点启用照片", "2026-03-03", 0, "重要活动", "jpeg"),
        ("ZH", "D30", "audio-video", "", "指挥部视频调度会录像", "2026-03-10", 0, "重要活动", "mp4"),
        ("ZH", "Y", "paper", "", "区领导关于疫情防控工作的批示", "2026-03-12", 1, None, None),
    ]),
    "FXQX": ("secretary2", [
        ("ZH", "Y", "electronic", "区水〔2026〕31号", "关于成立区防汛防台指挥部临时工作组的通知", "2026-06-01", 2, "成立文件", "pdfa"),
        ("ZH", "Y", "electronic", "", "临时工作组成员名单及分工", "2026-06-02", 2, "成员名单", "pdfa"),
        ("XQ", "Y", "electronic", "区防指〔2026〕3号", "2026年主汛期防汛防台工作预案", "2026-06-05", 18, "工作方案", "pdfa"),
        ("ZH", "D30", "electronic", "", "汛前检查工作会议纪要", "2026-06-08", 3, "会议纪要", "pdfa"),
        ("XQ", "D30", "electronic", "", "梅雨期汛情日报（6月20日）", "2026-06-20", 2, "情况报告", "pdfa"),
        ("XQ", "D30", "electronic", "", "台风“海葵”防御情况报告", "2026-08-02", 5, "情况报告", "pdfa"),
        ("QX", "D30", "electronic", "区防指〔2026〕9号", "关于启动防汛防台Ⅲ级应急响应的通知", "2026-08-01", 2, "发布的通知", "pdfa"),
        ("ZY", "D30", "electronic", "", "低洼地区群众转移安置统计表", "2026-08-02", 4, "群众转移", "pdf"),
        ("BZ", "D10", "electronic", "", "防汛物资储备清单", "2026-06-15", 6, None, "pdf"),
        ("QX", "D30", "photo", "", "黄浦江堤防巡查照片", "2026-08-01", 0, "重要活动", "jpeg"),
        ("QX", "D30", "photo", "", "抢险队加固堤坝现场照片", "2026-08-02", 0, "重要活动", "jpeg"),
        ("ZH", "D30", "audio-video", "", "防台视频会商录像", "2026-08-01", 0, "重要活动", "mp4"),
        ("ZH", "Y", "electronic", "区防指〔2026〕12号", "2026年防汛防台工作总结", "2026-10-20", 8, "工作总结", "pdfa"),
        ("ZH", "Y", "electronic", "区防指〔2026〕13号", "关于撤销区防汛防台指挥部临时工作组的通知", "2026-10-31", 1, "撤销文件", "pdfa"),
    ]),
}


def _demo_file(kind, title, n, pages=1):
    """(name, bytes) of a small generated file of the given kind (a PDF of `pages` pages)."""
    if kind in ("pdfa", "pdf"):
        data = samples.pdf(f"Demo document {n}", ["Generated by capture demo"], pdfa=kind == "pdfa",
                           pages=max(pages, 1))
        return f"{title}.pdf", data
    if kind == "jpeg":
        return f"{title}.jpg", samples.jpeg(colour=(40 + 9 * n, 110, 170))
    return f"{title}.mp4", samples.mp4()


def load_documents(bodies, users, store):
    """Register a dozen realistic documents in each demo body, with generated files."""
    today = clock.today()
    for code, (username, rows) in DOCUMENTS.items():
        body, user = bodies[code], users[username]
        scope_items = {item.name: item for item in ScopeItem.select().where(ScopeItem.body == body)}
        for n, (category, retention, carrier, number, title, date, pages, scope_prefix, kind) in enumerate(rows, 1):
            scope_item = next((item for name, item in scope_items.items()
                               if scope_prefix and name.startswith(scope_prefix)), None)
            fields = {"category": category, "retention": retention, "carrier": carrier,
                      "doc_number": number, "responsible": body.default_responsible,
                      "title": title, "title_supplied": carrier in ("photo", "audio-video"),
                      "date": min(dt.date.fromisoformat(date), today), "pages": pages,
                      "scope_item": str(scope_item.id) if scope_item else "",
                      "remarks": "纸质原件存指挥部办公室" if carrier == "paper" else ""}
            uploads = []
            if kind:
                name, data = _demo_file(kind, title, n, pages)
                uploads.append((name, io.BytesIO(data), len(data)))
            registry.register_document(body, user, fields, uploads, store=store)


# Planned ahead (预立卷): a daily situation report since the response level was raised ten days
# ago, with two days not registered, and a weekly briefing kept up for five weeks.
DAILY_SINCE, DAILY_MISSING, WEEKS = 10, (7, 3), 5


def expected_series(body, user, store):
    """Give the epidemic body a daily and a weekly series, and register their reports."""
    today = clock.today()
    # The series come from the epidemic playbook; the body says when each started.
    daily = ScopeItem.get(ScopeItem.body == body, ScopeItem.name == "疫情情况日报")
    daily.starts_on = today - dt.timedelta(days=DAILY_SINCE)
    daily.save()
    monday = today - dt.timedelta(days=today.weekday() + 7 * WEEKS)
    weekly = ScopeItem.get(ScopeItem.body == body, ScopeItem.name == "疫情防控工作周报")
    weekly.starts_on = monday
    weekly.save()
    reports = [(daily, today - dt.timedelta(days=n), f"疫情情况日报（{(today - dt.timedelta(days=n)):%m月%d日}）")
               for n in range(DAILY_SINCE, 0, -1) if n not in DAILY_MISSING]
    reports += [(weekly, monday + dt.timedelta(days=7 * n + 4), f"疫情防控工作周报（第{n + 1}周）")
                for n in range(WEEKS)]
    for n, (item, day, title) in enumerate(reports, 100):
        data = samples.pdf(f"Demo report {n}", ["Generated by capture demo"], pdfa=True)
        fields = {"category": "XC", "retention": "D30", "carrier": "electronic", "doc_number": "",
                  "responsible": body.default_responsible, "title": title, "date": day, "pages": 1,
                  "scope_item": str(item.id), "remarks": ""}
        registry.register_document(body, user, fields, [(f"{title}.pdf", io.BytesIO(data), len(data))],
                                   store=store)


def monthly_reports(body, user, store):
    """The flood body's monthly reports, the flood playbook's series, one for each month it lived."""
    monthly = ScopeItem.get(ScopeItem.body == body, ScopeItem.name == "汛期工作月报")
    for month in range(6, 11):
        title = f"汛期工作月报（{month}月）"
        data = samples.pdf(f"Demo monthly report {month}", ["Generated by capture demo"], pdfa=True)
        fields = {"category": "ZH", "retention": "D30", "carrier": "electronic", "doc_number": "",
                  "responsible": body.default_responsible, "title": title,
                  "date": min(dt.date(2026, month, 25), clock.today()), "pages": 1,
                  "scope_item": str(monthly.id), "remarks": ""}
        registry.register_document(body, user, fields, [(f"{title}.pdf", io.BytesIO(data), len(data))],
                                   store=store)


FLOOD_CHRONICLE = [((6, 1), "区防汛防台指挥部临时工作组成立，区水务局牵头。"),
                   ((7, 30), "台风“梅花”来袭，启动防台Ⅱ级响应，转移安置群众 1200 余人。"),
                   ((10, 31), "汛期结束，工作组撤销，档案由区水务局接收保管。")]


def dissolve_demo_flood_body():
    """Leave FXQX dissolved with its records complete, so the check and export work at once."""
    body = Body.get(Body.code == "FXQX")
    secretary = User.get(User.username == "secretary2")
    with db.atomic():
        for (month, day), event in FLOOD_CHRONICLE:
            ChronicleEntry.create(body=body, date=dt.date(2026, month, day), event=event, created_by=secretary)
        notice = (Document.select().where(Document.body == body, Document.title.contains("撤销"))
                  .order_by(Document.id.desc()).first())
        body.status, body.dissolved_on, body.dissolution_notice = "dissolved", dt.date(2026, 10, 31), notice
        body.save()
        audit.record("body.dissolve", body, {"demo": True, "status": ["active", "dissolved"]}, body=body)
