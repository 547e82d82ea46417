"""Migration 0002 (once 0015) on a database made before it: items of exported packages are marked carried."""
import datetime as dt

from capture import schema
from capture.db import db
from capture.models import Document, Transfer
from capture.records import lifecycle

from transfer_support import flood_body, register


def test_an_existing_database_learns_which_items_its_packages_carried(app):
    with db.connection_context():
        body, secretary, docs = flood_body(app)
        exported_at = dt.datetime(2026, 11, 1, 8, 0)
        Document.update(created_at=exported_at - dt.timedelta(days=1)).execute()
        Transfer.create(body=body, status="exported", started_at=exported_at,
                        package_path="/p/J002-FXQX-20261101.zip")
        late = register(app.extensions["store"], body, secretary, "导出后登记的纪要")
        Document.update(created_at=exported_at + dt.timedelta(days=1)).where(
            Document.id == late.id).execute()
        # As the database was before 0002: no column, 0015 not applied.
        db.execute_sql("ALTER TABLE document DROP COLUMN transferred_in_id")
        db.execute_sql("DELETE FROM schema_migration WHERE name = '0002_lifecycle'")

        assert schema.migrate() == ["0002_lifecycle"]
        assert [d.id for d in lifecycle.pending(body)] == [late.id]
        assert Document.select().where(Document.transferred_in.is_null(False)).count() == len(docs)
