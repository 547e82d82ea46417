"""Creating and migrating the database schema through peewee's migration runner."""
from pathlib import Path

from playhouse.migrations import Runner

from .db import db

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate():
    """Apply every pending migration; return the names applied."""
    return Runner(db.obj, directory=str(MIGRATIONS)).up()


def pending():
    """Names of migrations not yet applied."""
    return [m.name for m in Runner(db.obj, directory=str(MIGRATIONS)).status() if not m.applied]
