"""The schema as first released: every table, column and index written out, frozen.

This file imports nothing from capture.models and must never change: databases in the field
were built by it. Every later change to the models is its own numbered migration (see
docs/architecture.md, "Changing the schema").
"""
from peewee import (BigIntegerField, BooleanField, CharField, DateField, DateTimeField,
                    ForeignKeyField, IntegerField, Model, TextField)


def tables(db):
    """The frozen tables, bound to `db`, in an order that creates each after what it refers to."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        username = CharField(max_length=64, unique=True)
        display_name = CharField(max_length=100)
        email = CharField(max_length=200, default="")
        password_hash = CharField(max_length=256)
        language = CharField(max_length=10, default="zh_Hans")
        role = CharField(max_length=20)
        active = BooleanField(default=True)
        session_version = IntegerField(default=0)
        created_at = DateTimeField()

    class LoginFailure(Base):
        username = CharField(max_length=64, unique=True)
        count = IntegerField(default=0)
        last_at = DateTimeField()

    class Body(Base):
        name = CharField(max_length=200)
        code = CharField(max_length=20, unique=True)
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
        created_at = DateTimeField()
        updated_at = DateTimeField()
        # A reference to document.id without a constraint (the two tables refer to each other).
        dissolution_notice_id = IntegerField(null=True, index=True)

    class Membership(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        body = ForeignKeyField(Body, on_delete="CASCADE")
        role = CharField(max_length=20)

        class Meta:
            indexes = ((("user", "body"), True),)

    class Category(Base):
        body = ForeignKeyField(Body, on_delete="CASCADE")
        code = CharField(max_length=10)
        name = CharField(max_length=100)
        sort = IntegerField(default=0)

        class Meta:
            indexes = ((("body", "code"), True),)

    class ScopeItem(Base):
        body = ForeignKeyField(Body, on_delete="CASCADE")
        name = CharField(max_length=200)
        required = BooleanField(default=True)
        sort = IntegerField(default=0)

    class Document(Base):
        body = ForeignKeyField(Body)
        category = ForeignKeyField(Category, null=True)
        scope_item = ForeignKeyField(ScopeItem, null=True, index=False)
        record_class = CharField(max_length=4, default="WS")
        year = IntegerField()
        retention = CharField(max_length=4)
        class_key = CharField(max_length=40)
        item_number = IntegerField()
        reference_code = CharField(max_length=60, unique=True)
        doc_number = CharField(max_length=100, default="")
        responsible = CharField(max_length=200)
        title = TextField()
        title_supplied = BooleanField(default=False)
        date = DateField()
        pages = IntegerField(default=0)
        security = CharField(max_length=10, default="")
        carrier = CharField(max_length=20, default="electronic")
        remarks = TextField(default="")
        status = CharField(max_length=20, default="registered")
        withdrawn_reason = TextField(default="")
        withdrawn_at = DateTimeField(null=True)
        withdrawn_by = ForeignKeyField(User, null=True)
        created_by = ForeignKeyField(User)
        created_at = DateTimeField()
        updated_by = ForeignKeyField(User, null=True)
        updated_at = DateTimeField()
        import_key = CharField(max_length=64, null=True)

        class Meta:
            indexes = ((("body", "class_key", "item_number"), True),
                       (("body", "import_key"), True),
                       (("body", "status", "date"), False),
                       (("body", "status", "created_at"), False),
                       (("body", "year"), False))

    Document.add_index(Document.scope_item, where=Document.scope_item.is_null(False))

    class File(Base):
        document = ForeignKeyField(Document)
        original_name = CharField(max_length=255)
        sha256 = CharField(max_length=64, index=True)
        size = BigIntegerField()
        media_type = CharField(max_length=100, default="application/octet-stream")
        puid = CharField(max_length=20, default="")
        format_name = CharField(max_length=200, default="")
        long_term = BooleanField(default=False)
        version = IntegerField(default=1)
        replaces = ForeignKeyField("self", null=True)
        inspection = TextField(default="")
        created_by = ForeignKeyField(User)
        created_at = DateTimeField()

    class AuditEvent(Base):
        at = DateTimeField()
        user = ForeignKeyField(User, null=True, on_delete="SET NULL")
        username = CharField(max_length=64, default="")
        body = ForeignKeyField(Body, null=True, on_delete="SET NULL")
        action = CharField(max_length=50)
        object_type = CharField(max_length=30, default="")
        object_id = CharField(max_length=40, default="")
        details = TextField(default="{}")
        prev_hash = CharField(max_length=64, unique=True)
        body_prev_hash = CharField(max_length=64, default="")
        hash = CharField(max_length=64, unique=True)

    class CheckIn(Base):
        body = ForeignKeyField(Body)
        liaison = ForeignKeyField(User)
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
        created_at = DateTimeField()

        class Meta:
            indexes = ((("body", "scheduled_for"), False), (("liaison", "scheduled_for"), False),
                       (("status", "liaison", "scheduled_for"), False))

    class FollowUp(Base):
        checkin = ForeignKeyField(CheckIn, on_delete="CASCADE")
        action = TextField()
        owner = CharField(max_length=100, default="")
        due = DateField()
        done_on = DateField(null=True)
        done_by = ForeignKeyField(User, null=True)

    class Commitment(Base):
        body = ForeignKeyField(Body)
        what = TextField()
        check_code = CharField(max_length=100, default="")
        promised_by = CharField(max_length=100)
        due = DateField()
        status = CharField(max_length=12, default="open")
        fulfilled_on = DateField(null=True)
        document = ForeignKeyField(Document, null=True)
        created_by = ForeignKeyField(User)
        created_at = DateTimeField()

    class Transfer(Base):
        body = ForeignKeyField(Body)
        run_by = ForeignKeyField(User, null=True)
        kind = CharField(max_length=15, default="full")
        status = CharField(max_length=12, default="checking")
        progress = IntegerField(default=0)
        worker = CharField(max_length=100, default="")
        heartbeat_at = DateTimeField(null=True)
        message = TextField(default="")
        started_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        check_report = TextField(default="")
        package_path = TextField(default="")
        package_sha256 = CharField(max_length=64, default="")
        package_size = BigIntegerField(default=0)
        item_count = IntegerField(default=0)
        file_count = IntegerField(default=0)
        received_at = DateTimeField(null=True)
        received_by = ForeignKeyField(User, null=True)

    class ChronicleEntry(Base):
        body = ForeignKeyField(Body)
        date = DateField()
        event = TextField()
        created_by = ForeignKeyField(User)

    class FondsDescription(Base):
        body = ForeignKeyField(Body)
        kind = CharField(max_length=15)
        text = TextField(default="")
        updated_by = ForeignKeyField(User, null=True)
        updated_at = DateTimeField()

        class Meta:
            indexes = ((("body", "kind"), True),)

    class Notification(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        kind = CharField(max_length=30)
        key = CharField(max_length=200, unique=True)
        message = TextField()
        link = CharField(max_length=300, default="")
        created_at = DateTimeField()
        read_at = DateTimeField(null=True)
        emailed_at = DateTimeField(null=True)

    class ApiToken(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        label = CharField(max_length=100)
        token_hash = CharField(max_length=64, unique=True)
        scopes = CharField(max_length=40, default="read")
        purpose = CharField(max_length=10, default="api")
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)

    class ApiUsage(Base):
        token = ForeignKeyField(ApiToken, on_delete="CASCADE")
        window = DateTimeField()
        count = IntegerField(default=0)

        class Meta:
            indexes = ((("token", "window"), True),)

    class IdempotencyKey(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        key = CharField(max_length=255)
        fingerprint = CharField(max_length=64)
        status = IntegerField(null=True)
        response = TextField(default="")
        location = CharField(max_length=300, default="")
        created_at = DateTimeField()

        class Meta:
            indexes = ((("user", "key"), True),)

    return [User, LoginFailure, Body, Membership, Category, ScopeItem, Document, File,
            AuditEvent, CheckIn, FollowUp, Commitment, Transfer, ChronicleEntry,
            FondsDescription, Notification, ApiToken, ApiUsage, IdempotencyKey]


def up(migrator, db):
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(list(reversed(tables(db))))
