"""The peewee models of the domain (docs/architecture.md, "The domain")."""
import uuid

from flask_login import UserMixin
from peewee import (BigIntegerField, BooleanField, CharField, DateField, DateTimeField,
                    DeferredForeignKey, ForeignKeyField, IntegerField, Model, TextField, fn)
from werkzeug.security import check_password_hash, generate_password_hash

from .clock import utc_now
from .db import db

ROLES = ("admin", "liaison", "secretary", "transfer_officer", "viewer")
MEMBER_ROLES = ("secretary", "liaison", "viewer")
BODY_KINDS = ("epidemic", "flood", "event", "project", "other")
TIERS = ("key", "general")
BODY_STATUSES = ("active", "dissolving", "dissolved", "transferred")
RETENTIONS = ("Y", "D30", "D10")
CARRIERS = ("electronic", "paper", "photo", "audio-video")
SECURITY_LEVELS = ("", "内部", "秘密", "机密")
DOCUMENT_STATUSES = ("registered", "withdrawn")
CHECKIN_MODES = ("on_site", "phone", "video", "chat")
CHECKIN_STATUSES = ("scheduled", "held", "missed", "cancelled")
DEFAULT_CADENCE = {"key": 7, "general": 30}
# werkzeug's default (scrypt); the test suite lowers the cost to stay fast.
PASSWORD_METHOD = "scrypt"


def new_uuid():
    """A random UUID as text."""
    return str(uuid.uuid4())


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class User(BaseModel, UserMixin):
    username = CharField(max_length=64, unique=True)
    display_name = CharField(max_length=100)
    email = CharField(max_length=200, default="")
    password_hash = CharField(max_length=256)
    language = CharField(max_length=10, default="zh_Hans")
    role = CharField(max_length=20, choices=[(r, r) for r in ROLES])
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utc_now)
    # The key of the browser session this instance was loaded for (people/sessions.py); not stored.
    session_key = ""

    def set_password(self, password):
        """Hash and store a new password (the caller ends the user's other sessions)."""
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password):
        """True when `password` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def get_id(self):
        return f"{self.id}:{self.session_key}"

    @property
    def is_active(self):
        return self.active


class UserSession(BaseModel):
    """A browser session, kept on the server so that logging out (or ending it) ends it for good."""
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    key_hash = CharField(max_length=64, unique=True)  # SHA-256 of the key in the signed cookie
    address = CharField(max_length=64, default="")
    agent = CharField(max_length=200, default="")
    created_at = DateTimeField(default=utc_now)
    ended_at = DateTimeField(null=True)
    ended_why = CharField(max_length=20, default="")  # logout | all | admin | password | deactivated


class LoginThrottle(BaseModel):
    """Failed logins per client address, and per account from each address (people/throttle.py)."""
    scope = CharField(max_length=10)  # address | account
    key = CharField(max_length=200)  # the address, or "address username"
    failures = IntegerField(default=0)
    last_failed_at = DateTimeField(default=utc_now)
    blocked_until = DateTimeField(null=True)

    class Meta:
        indexes = ((("scope", "key"), True),)


class Body(BaseModel):
    name = CharField(max_length=200)
    code = CharField(max_length=20, unique=True)
    # Unique: a body is the fonds of its records, and two bodies under one fonds code would
    # be given the same 档号.
    fonds_code = CharField(max_length=4, unique=True)
    lead_org = CharField(max_length=200, default="")
    kind = CharField(max_length=20, default="other")
    tier = CharField(max_length=10, default="general")
    cadence_days = IntegerField(default=30)
    established_on = DateField()
    expected_end = DateField(null=True)
    dissolved_on = DateField(null=True)
    custodian = CharField(max_length=200, default="")
    contact_person = CharField(max_length=100, default="")
    default_responsible = CharField(max_length=200, default="")
    status = CharField(max_length=20, default="active")
    # The registered dissolution notice (撤销通知); Document is declared below.
    dissolution_notice = DeferredForeignKey("Document", null=True, backref="+")
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)

    @property
    def is_read_only(self):
        return self.status == "transferred"


class Membership(BaseModel):
    user = ForeignKeyField(User, backref="memberships", on_delete="CASCADE")
    body = ForeignKeyField(Body, backref="memberships", on_delete="CASCADE")
    role = CharField(max_length=20)

    class Meta:
        indexes = ((("user", "body"), True),)


class Category(BaseModel):
    body = ForeignKeyField(Body, backref="categories", on_delete="CASCADE")
    code = CharField(max_length=10)
    name = CharField(max_length=100)
    sort = IntegerField(default=0)

    class Meta:
        indexes = ((("body", "code"), True),)


class ScopeItem(BaseModel):
    """What the archiving scope expects the body to produce."""
    body = ForeignKeyField(Body, backref="scope_items", on_delete="CASCADE")
    name = CharField(max_length=200)
    required = BooleanField(default=True)
    sort = IntegerField(default=0)
    # An expected series (预立卷): "" plain, or once / daily / weekly / per_meeting from starts_on
    # (else from the body's founding) until the body is dissolved. See records/series.py.
    recurrence = CharField(max_length=12, default="")
    starts_on = DateField(null=True)
    # The retention its documents usually get (Y / D30 / D10), from the playbook; "" none given.
    retention = CharField(max_length=4, default="")


class Playbook(BaseModel):
    """分类指导: what the archive expects of one kind of body; its content lives in versions."""
    kind = CharField(max_length=20, unique=True)
    name = CharField(max_length=100)
    name_en = CharField(max_length=100, default="")
    # Liaisons may make new versions too, when an administrator allows it for this kind.
    liaisons_may_edit = BooleanField(default=False)
    created_at = DateTimeField(default=utc_now)


class PlaybookVersion(BaseModel):
    """One version of a playbook, never changed once made: its content as JSON, who, when, why."""
    playbook = ForeignKeyField(Playbook, backref="versions")
    number = IntegerField()
    content = TextField()
    reason = TextField(default="")
    created_by = ForeignKeyField(User, null=True, backref="+")
    created_at = DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("playbook", "number"), True),)


class BodyPlaybook(BaseModel):
    """The playbook version a body started from, and the milestones it took from it."""
    body = ForeignKeyField(Body, unique=True, backref="+", on_delete="CASCADE")
    version = ForeignKeyField(PlaybookVersion, backref="+")
    milestones = TextField(default="[]")
    created_at = DateTimeField(default=utc_now)


class FormDefault(BaseModel):
    """The category and retention a person last chose on the register form, per body: the form's
    next defaults. Only that form writes them (imports and the API never change them)."""
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    body = ForeignKeyField(Body, backref="+", on_delete="CASCADE")
    category = ForeignKeyField(Category, null=True, backref="+", on_delete="SET NULL")
    retention = CharField(max_length=4)
    updated_at = DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("user", "body"), True),)


class Document(BaseModel):
    body = ForeignKeyField(Body, backref="documents")
    category = ForeignKeyField(Category, null=True, backref="documents")
    # Indexed below, only where set: most documents name no scope item.
    scope_item = ForeignKeyField(ScopeItem, null=True, backref="documents", index=False)
    record_class = CharField(max_length=4, default="WS")
    year = IntegerField()
    retention = CharField(max_length=4)
    # The lowest class the item number runs in, e.g. "WS·2020-Y-BGS".
    class_key = CharField(max_length=40)
    item_number = IntegerField()
    reference_code = CharField(max_length=60, unique=True)
    doc_number = CharField(max_length=100, default="")
    responsible = CharField(max_length=200)
    title = TextField()
    title_supplied = BooleanField(default=False)
    date = DateField()
    pages = IntegerField(default=0)
    # Why a typed 页数 differs from the pages counted in the files (kept on purpose), or "".
    pages_reason = TextField(default="")
    security = CharField(max_length=10, default="")
    carrier = CharField(max_length=20, default="electronic")
    remarks = TextField(default="")
    status = CharField(max_length=20, default="registered")
    withdrawn_reason = TextField(default="")
    withdrawn_at = DateTimeField(null=True)
    withdrawn_by = ForeignKeyField(User, null=True, backref="+")
    created_by = ForeignKeyField(User, backref="+")
    created_at = DateTimeField(default=utc_now)
    updated_by = ForeignKeyField(User, null=True, backref="+")
    updated_at = DateTimeField(default=utc_now)
    # Set by bulk import: a digest of the row's 文号, 责任者, 题名 and 日期, so that importing
    # the same spreadsheet again finds the rows already imported instead of duplicating them.
    import_key = CharField(max_length=64, null=True)
    # The exported transfer whose package carried the item; empty until one does. Once a body
    # has exported a package, its items still empty here wait for the supplementary transfer.
    transferred_in = DeferredForeignKey("Transfer", null=True, backref="+", index=False)

    class Meta:
        indexes = ((("body", "class_key", "item_number"), True),
                   (("body", "import_key"), True),
                   (("body", "status", "date"), False),
                   (("body", "status", "created_at"), False),
                   # The list's year filter and its choice of years read only this index.
                   (("body", "year"), False))


# Partial: an index holding every NULL makes SQLite's statistics (ANALYZE) judge it useless, and
# "which scope items have a document" then reads every document once per scope item.
Document.add_index(Document.scope_item, where=Document.scope_item.is_null(False))


class File(BaseModel):
    document = ForeignKeyField(Document, backref="files")
    original_name = CharField(max_length=255)
    sha256 = CharField(max_length=64, index=True)
    size = BigIntegerField()
    media_type = CharField(max_length=100, default="application/octet-stream")
    puid = CharField(max_length=20, default="")
    format_name = CharField(max_length=200, default="")
    long_term = BooleanField(default=False)
    version = IntegerField(default=1)
    replaces = ForeignKeyField("self", null=True, backref="replaced_by")
    # The last usability inspection of these bytes (usability.remember), kept by the check so
    # that an export, which re-verifies every digest as it copies, need not open each file again.
    inspection = TextField(default="")
    # Facts read from the bytes at capture (records/filefacts.py): the pages of a PDF, OFD or
    # multi-page TIFF, and a format the file claims (e.g. PDF/A-1b) with, when the claim failed,
    # why (an i18n message as JSON); puid, format_name and long_term then say what the file is.
    pages = IntegerField(null=True)
    claimed = CharField(max_length=200, default="")
    claim_finding = TextField(default="")
    created_by = ForeignKeyField(User, backref="+")
    created_at = DateTimeField(default=utc_now)


class AuditEvent(BaseModel):
    """Append-only; `hash` chains to the previous event (and to the body's previous one)."""
    at = DateTimeField(default=utc_now)
    user = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    username = CharField(max_length=64, default="")
    body = ForeignKeyField(Body, null=True, backref="+", on_delete="SET NULL")
    action = CharField(max_length=50)
    object_type = CharField(max_length=30, default="")
    object_id = CharField(max_length=40, default="")
    details = TextField(default="{}")
    prev_hash = CharField(max_length=64, unique=True)
    body_prev_hash = CharField(max_length=64, default="")
    hash = CharField(max_length=64, unique=True)


class CheckIn(BaseModel):
    """A one-on-one guidance session between a liaison and a body."""
    body = ForeignKeyField(Body, backref="checkins")
    liaison = ForeignKeyField(User, backref="checkins")
    scheduled_for = DateTimeField()
    mode = CharField(max_length=10, default="on_site")
    place = CharField(max_length=300, default="")
    contact_person = CharField(max_length=100, default="")
    is_final = BooleanField(default=False)
    status = CharField(max_length=12, default="scheduled")
    needs_outcome = BooleanField(default=False)
    reason = TextField(default="")
    duration_minutes = IntegerField(null=True)
    notes = TextField(default="")
    findings = TextField(default="")
    recorded_at = DateTimeField(null=True)
    # When a check-in recorded as held actually took place, when not at its scheduled time.
    held_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utc_now)

    class Meta:
        # The scheduler looks for scheduled check-ins in a time window, and counts them per liaison.
        indexes = ((("body", "scheduled_for"), False), (("liaison", "scheduled_for"), False),
                   (("status", "liaison", "scheduled_for"), False))


class FollowUp(BaseModel):
    checkin = ForeignKeyField(CheckIn, backref="follow_ups", on_delete="CASCADE")
    action = TextField()
    owner = CharField(max_length=100, default="")
    due = DateField()
    done_on = DateField(null=True)
    done_by = ForeignKeyField(User, null=True, backref="+")


class Commitment(BaseModel):
    """容缺承诺: a missing item the body promises to hand in by a date."""
    body = ForeignKeyField(Body, backref="commitments")
    what = TextField()
    # The key of the check finding it covers, e.g. "COMP-SCOPE:s12" (see checks.Finding.key).
    check_code = CharField(max_length=100, default="")
    promised_by = CharField(max_length=100)
    due = DateField()
    status = CharField(max_length=12, default="open")
    fulfilled_on = DateField(null=True)
    document = ForeignKeyField(Document, null=True, backref="commitments")
    created_by = ForeignKeyField(User, backref="+")
    created_at = DateTimeField(default=utc_now)


class Transfer(BaseModel):
    body = ForeignKeyField(Body, backref="transfers")
    run_by = ForeignKeyField(User, null=True, backref="+")  # None: the command line
    # Who ran it from the command line when that person has no account (--operator, or the login).
    operator = CharField(max_length=100, default="")
    # Unique across installations, where the database id is not (bag-info External-Identifier).
    uuid = CharField(max_length=36, default=new_uuid)
    # The archival identifier given at the first export: fonds code, year, number (J002-2026-001).
    identifier = CharField(max_length=40, default="")
    kind = CharField(max_length=15, default="full")  # full | supplementary
    status = CharField(max_length=12, default="checking")  # … exporting | failed …
    progress = IntegerField(default=0)
    # "host:pid" of the process exporting and when it last reported: a dead one frees the body.
    worker = CharField(max_length=100, default="")
    heartbeat_at = DateTimeField(null=True)
    message = TextField(default="")
    started_at = DateTimeField(default=utc_now)
    finished_at = DateTimeField(null=True)
    check_report = TextField(default="")
    package_path = TextField(default="")
    package_sha256 = CharField(max_length=64, default="")
    package_sm3 = CharField(max_length=64, default="")  # SM3 (GB/T 32905) of the same package
    package_size = BigIntegerField(default=0)
    item_count = IntegerField(default=0)
    file_count = IntegerField(default=0)
    received_at = DateTimeField(null=True)
    received_by = ForeignKeyField(User, null=True, backref="+")


class Phase(BaseModel):
    """A phase of the body's work (响应级别调整、高峰、收尾…) that may call for a check-in (节点指导)."""
    body = ForeignKeyField(Body, backref="phases")
    on = DateField()
    name = CharField(max_length=200)
    calls_for_checkin = BooleanField(default=True)
    created_by = ForeignKeyField(User, backref="+")
    created_at = DateTimeField(default=utc_now)


class ChronicleEntry(BaseModel):
    """大事记: a dated major event of the body."""
    body = ForeignKeyField(Body, backref="chronicle")
    date = DateField()
    event = TextField()
    created_by = ForeignKeyField(User, backref="+")


class FondsDescription(BaseModel):
    """组织沿革 (history) and 全宗介绍 (introduction) of the body's fonds."""
    body = ForeignKeyField(Body, backref="descriptions")
    kind = CharField(max_length=15)  # history | introduction
    text = TextField(default="")
    updated_by = ForeignKeyField(User, null=True, backref="+")
    updated_at = DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("body", "kind"), True),)


class Notification(BaseModel):
    user = ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    kind = CharField(max_length=30)
    # Idempotency: a job that runs twice produces the same key and so nothing twice.
    key = CharField(max_length=200, unique=True)
    message = TextField()
    link = CharField(max_length=300, default="")
    created_at = DateTimeField(default=utc_now)
    read_at = DateTimeField(null=True)
    emailed_at = DateTimeField(null=True)


class ApiToken(BaseModel):
    user = ForeignKeyField(User, backref="api_tokens", on_delete="CASCADE")
    label = CharField(max_length=100)
    token_hash = CharField(max_length=64, unique=True)
    scopes = CharField(max_length=40, default="read")
    purpose = CharField(max_length=10, default="api")  # api | calendar
    created_at = DateTimeField(default=utc_now)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)


class ApiUsage(BaseModel):
    """Requests per API token per minute, counted in the database so all workers share a limit."""
    token = ForeignKeyField(ApiToken, backref="+", on_delete="CASCADE")
    window = DateTimeField()  # the start of the minute, UTC
    count = IntegerField(default=0)

    class Meta:
        indexes = ((("token", "window"), True),)


class IdempotencyKey(BaseModel):
    """An Idempotency-Key sent with a POST: the request it named and the response it got."""
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    key = CharField(max_length=255)
    fingerprint = CharField(max_length=64)
    # Empty while the first request is still being processed.
    status = IntegerField(null=True)
    response = TextField(default="")
    location = CharField(max_length=300, default="")
    created_at = DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("user", "key"), True),)


class Job(BaseModel):
    """Work that can outlast a request (an import's check and its confirmation), done by
    `capture worker`; the page that started it follows its progress (capture/jobs.py)."""
    kind = CharField(max_length=30)
    body = ForeignKeyField(Body, null=True, backref="+")
    user = ForeignKeyField(User, backref="+")
    params = TextField(default="{}")
    status = CharField(max_length=10, default="queued")  # queued → running → done | failed
    done = IntegerField(default=0)
    total = IntegerField(default=0)
    # Bytes done of total, for work measured in bytes as well (the fixity pass re-hashing files).
    done_bytes = BigIntegerField(default=0)
    total_bytes = BigIntegerField(default=0)
    step = CharField(max_length=100, default="")  # what it is doing now, for the page
    message = TextField(default="")  # why it failed
    result = TextField(default="")  # JSON, when done
    # "host:pid" of the worker and when it last reported: a dead one leaves the job failed.
    worker = CharField(max_length=100, default="")
    heartbeat_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utc_now)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "id"), False), (("user", "body", "kind"), False))


MODELS = [User, UserSession, LoginThrottle,
          Body, Membership, Category, ScopeItem, Document, File, AuditEvent,
          CheckIn, FollowUp, Commitment, Transfer, Phase, ChronicleEntry, FondsDescription,
          Notification, ApiToken, ApiUsage, IdempotencyKey, Job, Playbook, PlaybookVersion, BodyPlaybook,
          FormDefault]


def next_item_number(body, class_key):
    """The next item number in a class: one past the highest given (never reused)."""
    top = (Document.select(fn.MAX(Document.item_number))
           .where(Document.body == body, Document.class_key == class_key).scalar())
    return (top or 0) + 1
