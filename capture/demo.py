"""Demo data for a newcomer: two bodies, one user per role, random passwords printed once."""
import datetime as dt
import secrets
from pathlib import Path

from . import audit, scope
from .db import db
from .models import Body, Category, Membership, User

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
    dissolve_demo_flood_body(data_dir)
    path = Path(data_dir) / "demo-credentials.txt"
    path.write_text("".join(f"{r}\t{u}\t{p}\n" for r, u, p in credentials), encoding="utf-8")
    path.chmod(0o600)
    return credentials


# The flood task force's records, used only when no other demo step registered any.
FLOOD_ITEMS = [  # (scope entry, title, document number, date, file name)
    ("成立文件（成立通知、批复）", "关于成立区防汛防台指挥部临时工作组的通知", "区防指〔2026〕1号", (6, 1), "成立通知.pdf"),
    ("成员名单及职责分工", "区防汛防台指挥部临时工作组成员名单及职责分工", "区防指〔2026〕2号", (6, 3), "成员名单.pdf"),
    ("工作方案、计划", "2026年汛期防汛防台工作方案", "区防指〔2026〕3号", (6, 10), "工作方案.pdf"),
    ("会议纪要、记录", "第一次工作会议纪要", "", (6, 15), "会议纪要.pdf"),
    ("情况报告、工作简报", "关于台风“梅花”防御情况的报告", "区防指〔2026〕7号", (8, 2), "情况报告.pdf"),
    ("发布的通知、通告", "关于做好台风防御人员转移安置工作的紧急通知", "区防指〔2026〕6号", (7, 30), "紧急通知.pdf"),
    ("重要活动照片、录像", "抢险救援现场照片", "", (7, 31), "抢险现场.jpg"),
    ("工作总结", "2026年防汛防台工作总结", "区防指〔2026〕12号", (10, 20), "工作总结.pdf"),
    ("撤销文件（撤销通知）", "关于撤销区防汛防台指挥部临时工作组的通知", "区防指〔2026〕13号", (10, 31), "撤销通知.pdf"),
]
FLOOD_CHRONICLE = [((6, 1), "区防汛防台指挥部临时工作组成立，区水务局牵头。"),
                   ((7, 30), "台风“梅花”来袭，启动防台Ⅱ级响应，转移安置群众 1200 余人。"),
                   ((10, 31), "汛期结束，工作组撤销，档案由区水务局接收保管。")]


def _demo_file(kind):
    """A small valid PDF or JPEG for a demo item."""
    import io
    buffer = io.BytesIO()
    if kind == "jpg":
        from PIL import Image
        Image.new("RGB", (64, 48), (40, 90, 160)).save(buffer, "JPEG")
    else:
        from pypdf import PdfWriter
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        writer.write(buffer)
    buffer.seek(0)
    return buffer


def dissolve_demo_flood_body(data_dir):
    """Leave FXQX dissolved with its records complete, so the check and export work at once."""
    from . import storage
    from .models import ChronicleEntry, Document, File, ScopeItem, next_item_number
    body = Body.get(Body.code == "FXQX")
    secretary = User.get(User.username == "secretary2")
    store = storage.Store(Path(data_dir) / "store")
    with db.atomic():
        if not Document.select().where(Document.body == body).exists():
            category = body.categories.where(Category.code == "ZH").get()
            for scope_name, title, number, (month, day), name in FLOOD_ITEMS:
                key = f"WS·2026-Y-{category.code}"
                item = next_item_number(body, key)
                doc = Document.create(
                    body=body, category=category, year=2026, retention="Y", class_key=key,
                    item_number=item, reference_code=f"{body.fonds_code}-{key}-{item:04d}",
                    scope_item=ScopeItem.get(ScopeItem.body == body, ScopeItem.name == scope_name),
                    doc_number=number, responsible=body.default_responsible, title=title,
                    date=dt.date(2026, month, day), pages=1, created_by=secretary,
                    carrier="photo" if name.endswith(".jpg") else "electronic")
                sha, size = store.save(_demo_file(name.rsplit(".", 1)[1]))
                File.create(document=doc, original_name=name, sha256=sha, size=size,
                            media_type="image/jpeg" if name.endswith(".jpg") else "application/pdf",
                            format_name="JPEG" if name.endswith(".jpg") else "PDF", long_term=True,
                            created_by=secretary)
                audit.record("document.register", doc, {"demo": True, "reference_code": doc.reference_code},
                             user=secretary, body=body)
        for (month, day), event in FLOOD_CHRONICLE:
            ChronicleEntry.create(body=body, date=dt.date(2026, month, day), event=event, created_by=secretary)
        notice = (Document.select().where(Document.body == body, Document.title.contains("撤销"))
                  .order_by(Document.id.desc()).first())
        body.status, body.dissolved_on, body.dissolution_notice = "dissolved", dt.date(2026, 10, 31), notice
        body.save()
        audit.record("body.dissolve", body, {"demo": True, "status": ["active", "dissolved"]}, body=body)
