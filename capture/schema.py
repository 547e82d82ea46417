"""Creating and migrating the database schema through peewee's migration runner."""
from pathlib import Path

from playhouse.migrations import Runner

from .db import db

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Migrations renumbered in sequence after databases had applied them by their old names. The
# runner knows a migration by its name only, so the history is renamed before it runs: an old
# name left in place would make the migration run a second time under its new one.
RENAMED = {
    "0015_lifecycle": "0002_lifecycle",
    "0016_jobs": "0003_jobs",
    "0017_transfer_identifiers": "0004_transfer_identifiers",
    "0019_series": "0005_series",
    "0020_phases": "0006_phases",
    "0021_job_bytes": "0007_job_bytes",
}


def runner():
    """The migration runner over the bound database, its history brought up to today's names."""
    found = Runner(db.obj, directory=str(MIGRATIONS))
    if found.History.table_exists():
        with db.atomic():
            for old, new in RENAMED.items():
                found.History.update(name=new).where(found.History.name == old).execute()
    return found


def migrate(target=None):
    """Apply every pending migration (or those up to `target`); return the names applied."""
    return runner().up(target)


def pending():
    """Names of migrations not yet applied."""
    return [m.name for m in runner().status() if not m.applied]
