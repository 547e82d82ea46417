"""Job.done_bytes and .total_bytes: progress in bytes as well, for the full fixity pass (issue 16)."""
from peewee import BigIntegerField
from playhouse.migrate import migrate


def up(migrator, db):
    # 0001 creates the tables from the current models, so a new database has the columns already.
    present = {column.name for column in db.get_columns("job")}
    operations = [migrator.add_column("job", name, BigIntegerField(default=0))
                  for name in ("done_bytes", "total_bytes") if name not in present]
    if operations:
        migrate(*operations)


def down(migrator, db):
    migrate(*(migrator.drop_column("job", name) for name in ("total_bytes", "done_bytes")))
