"""Phases of a body's work that call for guidance (节点指导)."""
from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, Model


def tables(db):
    """The phase table as this migration made it (a frozen copy, not the live model)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        pass

    class Body(Base):
        pass

    class Phase(Base):
        body = ForeignKeyField(Body)
        on = DateField()
        name = CharField(max_length=200)
        calls_for_checkin = BooleanField(default=True)
        created_by = ForeignKeyField(User)
        created_at = DateTimeField()

    return [Phase]


def up(migrator, db):
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(tables(db))
