"""Background jobs (issue 16): the job table of `capture worker`."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField

from capture.models import Body, User


class Job(Model):
    """The table as this migration made it (a frozen copy, not the live model)."""
    kind = CharField(max_length=30)
    body = ForeignKeyField(Body, null=True, backref="+")
    user = ForeignKeyField(User, backref="+")
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
        table_name = "job"
        indexes = ((("status", "id"), False), (("user", "body", "kind"), False))


def up(migrator, db):
    Job._meta.set_database(db)
    db.create_tables([Job], safe=True)


def down(migrator, db):
    Job._meta.set_database(db)
    db.drop_tables([Job], safe=True)
