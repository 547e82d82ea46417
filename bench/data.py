"""Generated data for the benchmarks: an app on a scratch folder and fast bulk inserts."""
import datetime as dt
import random
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from werkzeug.security import generate_password_hash

from capture import create_app, schema
from capture.db import db, is_postgres
from capture.models import Body, User

CHUNK = 500
PASSWORD = "bench password 2026"
# The app's default zone: "today" as the scheduler and the pages count it.
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
NOW = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
# Words staff actually put in titles, so that a search matches some items and not others.
SUBJECTS = ("疫情防控", "防汛抗旱", "物资调配", "人员排班", "核酸检测", "隔离点管理", "值班安排",
            "应急演练", "信息报送", "舆情应对", "经费使用", "志愿者招募")
KINDS = ("关于{}工作的通知", "{}情况汇报", "{}工作会议纪要", "关于{}的请示", "{}工作方案",
         "{}日报", "关于{}有关事项的函")


@contextmanager
def app_on(data_dir, database_url=None):
    """A migrated app on `data_dir` (and on `database_url`, else SQLite in it) with its database
    connected, inside an app context."""
    app = create_app({"DATA_DIR": str(data_dir), "SECRET_KEY": "bench",
                      **({"DATABASE_URL": database_url} if database_url else {})})
    with app.app_context(), db.connection_context():
        schema.migrate()
        yield app


def bulk(model, rows):
    """Insert dicts in chunks inside one transaction; return how many."""
    rows = list(rows)
    with db.atomic():
        for start in range(0, len(rows), CHUNK):
            model.insert_many(rows[start:start + CHUNK]).execute()
    return len(rows)


def settle():
    """Write the generated rows from the WAL into the database file, as a quiet server would have."""
    if is_postgres():
        db.execute_sql("CHECKPOINT")
    else:
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def password_hash():
    """One hash for every generated user (hashing thousands would time the hash, not us)."""
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def users(role, count, prefix, hashed=None):
    """Create `count` users of a role named prefix0001…; return their ids in order."""
    hashed = hashed or password_hash()
    bulk(User, ({"username": f"{prefix}{n:05d}", "display_name": f"{prefix}{n}", "password_hash": hashed,
                 "role": role, "email": f"{prefix}{n}@example.org"} for n in range(1, count + 1)))
    return [u for (u,) in User.select(User.id).where(User.username.startswith(prefix))
            .order_by(User.username).tuples()]


def fonds_code(n):
    """A distinct four-character fonds code for body number n (base 36)."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    code = ""
    for _ in range(3):
        n, rest = divmod(n, 36)
        code = digits[rest] + code
    return "J" + code


def bodies(count, status="active", prefix="B", start=0):
    """Create `count` bodies (a third key, the rest general); return their ids in order."""
    rows = []
    for n in range(start, start + count):
        key = n % 3 == 0
        rows.append({"name": f"第{n + 1}号临时机构（{SUBJECTS[n % len(SUBJECTS)]}）",
                     "code": f"{prefix}{n:05d}", "fonds_code": fonds_code(n),
                     "lead_org": "区人民政府办公室", "kind": "epidemic",
                     "tier": "key" if key else "general", "cadence_days": 7 if key else 30,
                     "established_on": TODAY - dt.timedelta(days=200 + n % 100),
                     "expected_end": TODAY + dt.timedelta(days=10 + n * 37 % 365),
                     "status": status, "contact_person": "王秘书",
                     "default_responsible": "区疫情防控工作指挥部"})
    bulk(Body, rows)
    codes = [r["code"] for r in rows]
    found = dict(Body.select(Body.code, Body.id).where(Body.code.in_(codes)).tuples())
    return [found[c] for c in codes]


def title(rng):
    """A plausible Chinese title."""
    return rng.choice(KINDS).format(rng.choice(SUBJECTS))


def document_rows(body_id, fonds, user_id, count, carriers=None, categories=(), rng=None):
    """Rows for `count` registered documents of a body, numbered without gaps per class.

    `carriers(n)` gives the carrier of the n-th; `categories` is a list of (id, code) used in turn.
    """
    rng = rng or random.Random(body_id)
    numbers = {}
    rows = []
    for n in range(count):
        carrier = carriers(n) if carriers else "electronic"
        record_class = {"photo": "ZP", "audio-video": "LX"}.get(carrier, "WS")
        date = TODAY - dt.timedelta(days=n % 300)
        retention = ("Y", "D30", "D10")[n % 3]
        key = f"{record_class}·{date.year}-{retention}"
        category_id, category_code = categories[n % len(categories)] if categories else (None, "")
        if category_code:
            key += f"-{category_code}"
        numbers[key] = numbers.get(key, 0) + 1
        created = NOW - dt.timedelta(minutes=count - n)
        rows.append({"body": body_id, "category": category_id, "record_class": record_class, "year": date.year,
                     "retention": retention, "class_key": key, "item_number": numbers[key],
                     "reference_code": f"{fonds}-{key}-{numbers[key]:04d}",
                     "doc_number": f"疫指〔{date.year}〕{n + 1}号" if n % 2 else "",
                     "responsible": "区疫情防控工作指挥部", "title": title(rng), "date": date,
                     "pages": 1 + n % 9, "carrier": carrier, "created_by": user_id,
                     "updated_by": user_id, "created_at": created, "updated_at": created})
    return rows
