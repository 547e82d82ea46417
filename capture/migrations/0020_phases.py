"""Phases of a body's work that call for guidance (节点指导)."""
import datetime as dt

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, Model


def up(migrator, db):
    class Body(Model):
        class Meta:
            table_name = "body"

    class User(Model):
        class Meta:
            table_name = "user"

    class Phase(Model):  # frozen copy of capture.models.Phase as this migration made it
        body = ForeignKeyField(Body, backref="+")
        on = DateField()
        name = CharField(max_length=200)
        calls_for_checkin = BooleanField(default=True)
        created_by = ForeignKeyField(User, backref="+")
        created_at = DateTimeField(default=dt.datetime.utcnow)

        class Meta:
            table_name = "phase"
            database = db

    db.create_tables([Phase], safe=True)


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "phase"')
