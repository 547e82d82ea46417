"""The first schema. Later changes go in numbered files using `migrator` (playhouse.migrate)."""
# Until the first release the initial schema is the current models; once a database exists in
# the field, every change gets its own numbered file with a frozen copy of what it touches.
from capture.models import MODELS


def up(migrator, db):
    db.create_tables(MODELS, safe=True)


def down(migrator, db):
    db.drop_tables(list(reversed(MODELS)), safe=True)
