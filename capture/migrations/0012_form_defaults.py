"""The register form's defaults per person and body (issue 26): written by the form only."""
from peewee import CharField, DateTimeField, ForeignKeyField, Model


def tables(db):
    """The table as this migration makes it (a frozen copy, not the live model)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        pass

    class Body(Base):
        pass

    class Category(Base):
        pass

    class FormDefault(Base):
        user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
        body = ForeignKeyField(Body, backref="+", on_delete="CASCADE")
        category = ForeignKeyField(Category, null=True, backref="+", on_delete="SET NULL")
        retention = CharField(max_length=4)
        updated_at = DateTimeField()

        class Meta:
            indexes = ((("user", "body"), True),)

    return [FormDefault]


def up(migrator, db):
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(tables(db))
