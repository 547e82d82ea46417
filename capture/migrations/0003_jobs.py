"""Background jobs (issue 16): the job table of `capture worker`."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def tables(db):
    """The job table as this migration made it (a frozen copy, not the live model)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        pass

    class Body(Base):
        pass

    class Job(Base):
        kind = CharField(max_length=30)
        body = ForeignKeyField(Body, null=True)
        user = ForeignKeyField(User)
        params = TextField(default="{}")
        status = CharField(max_length=10, default="queued")
        done = IntegerField(default=0)
        total = IntegerField(default=0)
        step = CharField(max_length=100, default="")
        message = TextField(default="")
        result = TextField(default="")
        worker = CharField(max_length=100, default="")
        heartbeat_at = DateTimeField(null=True)
        created_at = DateTimeField()
        started_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("status", "id"), False), (("user", "body", "kind"), False))

    return [Job]


def up(migrator, db):
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(tables(db))
