"""Document.transferred_in: which exported transfer carried each item (issue 15).

Items of packages exported before this column existed are assigned to the first package
exported after they were registered, as the export then carried every item of the body.
"""
from peewee import IntegerField


def up(migrator, db):
    # A plain integer, no constraint: document and transfer refer to each other.
    migrator.migrate(migrator.add_column("document", "transferred_in_id", IntegerField(null=True)))
    exported = db.execute_sql(
        "SELECT id, body_id, started_at FROM transfer WHERE status IN ('exported', 'received') "
        "ORDER BY started_at").fetchall()
    for transfer_id, body_id, started_at in exported:
        db.execute_sql("UPDATE document SET transferred_in_id = %s WHERE body_id = %s "
                       "AND transferred_in_id IS NULL AND created_at < %s".replace("%s", db.param),
                       (transfer_id, body_id, started_at))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("document", "transferred_in_id"))
