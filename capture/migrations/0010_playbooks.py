"""Playbooks (分类指导): a playbook per kind of body, its versions, the version each body started
from, and the retention a scope item's documents usually get."""
import datetime as dt

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def _tables(db):
    """Frozen copies of the tables as this migration makes them."""
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class Body(Base):
        class Meta:
            table_name = "body"

    class Playbook(Base):
        kind = CharField(max_length=20, unique=True)
        name = CharField(max_length=100)
        name_en = CharField(max_length=100, default="")
        liaisons_may_edit = BooleanField(default=False)
        created_at = DateTimeField(default=dt.datetime.utcnow)

    class PlaybookVersion(Base):
        playbook = ForeignKeyField(Playbook, backref="+")
        number = IntegerField()
        content = TextField()
        reason = TextField(default="")
        created_by = ForeignKeyField(User, null=True, backref="+")
        created_at = DateTimeField(default=dt.datetime.utcnow)

        class Meta:
            indexes = ((("playbook", "number"), True),)

    class BodyPlaybook(Base):
        body = ForeignKeyField(Body, unique=True, backref="+", on_delete="CASCADE")
        version = ForeignKeyField(PlaybookVersion, backref="+")
        milestones = TextField(default="[]")
        created_at = DateTimeField(default=dt.datetime.utcnow)

    return [Playbook, PlaybookVersion, BodyPlaybook]


def up(migrator, db):
    db.create_tables(_tables(db))
    migrator.migrate(migrator.add_column("scope_item", "retention", CharField(max_length=4, default="")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("scope_item", "retention"))
    db.drop_tables(list(reversed(_tables(db))))
