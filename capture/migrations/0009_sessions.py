"""Server-side sessions and login throttling by address and account (issue 23).

user_session replaces User.session_version (logging out now ends the session on the server);
login_throttle replaces login_failure (per address, and per account from each address).
Every session cookie issued before names a version, not a session: everyone logs in again.
"""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def tables(db):
    """The tables as this migration makes and drops them (frozen copies, not the live models)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        pass

    class UserSession(Base):
        user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
        key_hash = CharField(max_length=64, unique=True)
        address = CharField(max_length=64, default="")
        agent = CharField(max_length=200, default="")
        created_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        ended_why = CharField(max_length=20, default="")

    class LoginThrottle(Base):
        scope = CharField(max_length=10)
        key = CharField(max_length=200)
        failures = IntegerField(default=0)
        last_failed_at = DateTimeField()
        blocked_until = DateTimeField(null=True)

        class Meta:
            indexes = ((("scope", "key"), True),)

    class LoginFailure(Base):
        username = CharField(max_length=64, unique=True)
        count = IntegerField(default=0)
        last_at = DateTimeField()

    return UserSession, LoginThrottle, LoginFailure


def up(migrator, db):
    user_session, login_throttle, login_failure = tables(db)
    db.create_tables([user_session, login_throttle])
    db.drop_tables([login_failure])
    migrator.migrate(migrator.drop_column("user", "session_version"))


def down(migrator, db):
    user_session, login_throttle, login_failure = tables(db)
    migrator.migrate(migrator.add_column("user", "session_version", IntegerField(default=0)))
    db.create_tables([login_failure])
    db.drop_tables([login_throttle, user_session])
