"""Job.done_bytes and .total_bytes: progress in bytes as well, for the full fixity pass (issue 16)."""
from peewee import BigIntegerField

COLUMNS = ("done_bytes", "total_bytes")


def up(migrator, db):
    migrator.migrate(*(migrator.add_column("job", name, BigIntegerField(default=0)) for name in COLUMNS))


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column("job", name) for name in reversed(COLUMNS)))
