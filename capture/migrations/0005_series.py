"""Expected series on scope items (预立卷): how the records recur, and from when."""
from peewee import CharField, DateField

COLUMNS = {"recurrence": CharField(max_length=12, default=""), "starts_on": DateField(null=True)}


def up(migrator, db):
    migrator.migrate(*(migrator.add_column("scope_item", name, field) for name, field in COLUMNS.items()))


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column("scope_item", name) for name in COLUMNS))
