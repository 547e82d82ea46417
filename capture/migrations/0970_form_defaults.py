"""The register form's defaults per person and body (issue 26): written by the form only."""
from peewee import CharField, DateTimeField, ForeignKeyField, Model

from capture.models import Body, Category, User


class FormDefault(Model):
    """The table as this migration made it (a frozen copy, not the live model)."""
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    body = ForeignKeyField(Body, backref="+", on_delete="CASCADE")
    category = ForeignKeyField(Category, null=True, backref="+", on_delete="SET NULL")
    retention = CharField(max_length=4)
    updated_at = DateTimeField()

    class Meta:
        table_name = "form_default"
        indexes = ((("user", "body"), True),)


def up(migrator, db):
    FormDefault._meta.set_database(db)
    db.create_tables([FormDefault], safe=True)


def down(migrator, db):
    FormDefault._meta.set_database(db)
    db.drop_tables([FormDefault], safe=True)
