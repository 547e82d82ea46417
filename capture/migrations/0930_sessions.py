"""Server-side sessions and login throttling by address and account (issue 23).

user_session replaces User.session_version (logging out now ends the session on the server);
login_throttle replaces login_failure (per address, and per account from each address).
"""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model
from playhouse.migrate import migrate

from capture.models import User


class UserSession(Model):
    """The table as this migration made it (a frozen copy, not the live model)."""
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    key_hash = CharField(max_length=64, unique=True)
    address = CharField(max_length=64, default="")
    agent = CharField(max_length=200, default="")
    created_at = DateTimeField()
    ended_at = DateTimeField(null=True)
    ended_why = CharField(max_length=20, default="")

    class Meta:
        table_name = "user_session"


class LoginThrottle(Model):
    """The table as this migration made it (a frozen copy, not the live model)."""
    scope = CharField(max_length=10)
    key = CharField(max_length=200)
    failures = IntegerField(default=0)
    last_failed_at = DateTimeField()
    blocked_until = DateTimeField(null=True)

    class Meta:
        table_name = "login_throttle"
        indexes = ((("scope", "key"), True),)


class LoginFailure(Model):
    """The table this migration drops, as 0001 made it (for down)."""
    username = CharField(max_length=64, unique=True)
    count = IntegerField(default=0)
    last_at = DateTimeField()

    class Meta:
        table_name = "login_failure"


def up(migrator, db):
    for model in (UserSession, LoginThrottle, LoginFailure):
        model._meta.set_database(db)
    db.create_tables([UserSession, LoginThrottle], safe=True)
    db.drop_tables([LoginFailure], safe=True)
    # Every session cookie issued before this names a version, not a session: all log in again.
    if "session_version" in {c.name for c in db.get_columns("user")}:
        migrate(migrator.drop_column("user", "session_version"))


def down(migrator, db):
    for model in (UserSession, LoginThrottle, LoginFailure):
        model._meta.set_database(db)
    migrate(migrator.add_column("user", "session_version", IntegerField(default=0)))
    db.create_tables([LoginFailure], safe=True)
    db.drop_tables([LoginThrottle, UserSession], safe=True)
