"""Transfer.operator, .uuid, .identifier and .package_sm3: the named person of a command-line run,
an id unique across installations, the archival identifier, the package's SM3 (issue 17)."""
import uuid

from peewee import CharField
from playhouse.migrate import migrate


def up(migrator, db):
    # 0001 creates the tables from the current models, so a new database has the columns already.
    present = {column.name for column in db.get_columns("transfer")}
    operations = []
    if "operator" not in present:
        operations.append(migrator.add_column("transfer", "operator", CharField(max_length=100, default="")))
    if "uuid" not in present:
        operations.append(migrator.add_column("transfer", "uuid", CharField(max_length=36, default="")))
    if "identifier" not in present:
        operations.append(migrator.add_column("transfer", "identifier", CharField(max_length=40, default="")))
    if "package_sm3" not in present:
        operations.append(migrator.add_column("transfer", "package_sm3", CharField(max_length=64, default="")))
    if operations:
        migrate(*operations)
    for (transfer_id,) in db.execute_sql("SELECT id FROM transfer WHERE uuid = ''").fetchall():
        db.execute_sql("UPDATE transfer SET uuid = %s WHERE id = %s" % (db.param, db.param),
                       (str(uuid.uuid4()), transfer_id))


def down(migrator, db):
    migrate(*(migrator.drop_column("transfer", name) for name in ("package_sm3", "identifier", "uuid", "operator")))
