"""Transfer.operator, .uuid, .identifier and .package_sm3: the named person of a command-line run,
an id unique across installations, the archival identifier, the package's SM3 (issue 17)."""
import uuid

from peewee import CharField

COLUMNS = ("operator", 100), ("uuid", 36), ("identifier", 40), ("package_sm3", 64)


def up(migrator, db):
    migrator.migrate(*(migrator.add_column("transfer", name, CharField(max_length=size, default=""))
                       for name, size in COLUMNS))
    # Transfers made before this migration get their UUID now.
    for (transfer_id,) in db.execute_sql("SELECT id FROM transfer WHERE uuid = ''").fetchall():
        db.execute_sql("UPDATE transfer SET uuid = %s WHERE id = %s" % (db.param, db.param),
                       (str(uuid.uuid4()), transfer_id))


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column("transfer", name) for name, _ in reversed(COLUMNS)))
