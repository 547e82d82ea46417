"""Count the SQL statements a block sends to the database."""
from contextlib import contextmanager

from capture.db import db


@contextmanager
def statements():
    """Yield a list that fills with every SQL statement executed inside the block."""
    seen = []
    original = db.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return original(sql, params, *args, **kwargs)

    db.obj.execute_sql = counting
    try:
        yield seen
    finally:
        db.obj.execute_sql = original
