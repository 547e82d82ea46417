"""The database: one peewee proxy, bound from a URL; connect and close per request."""
import datetime as dt
from contextlib import contextmanager

from peewee import DatabaseProxy
from playhouse.db_url import connect

db = DatabaseProxy()

# More than the threads a process runs at once (gunicorn threads, an export, the scheduler).
POOL_SIZE = 32
# How long a writer waits for the write lock before it gives up with a clear message
# (web.database_busy). Well below the worker timeout in the README's gunicorn line (60 s), so a
# request that cannot write is answered instead of its worker being killed; every transaction
# holds the lock for about a second at most, so waiting longer would only hide a fault.
BUSY_TIMEOUT_SECONDS = 10
SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1,
                  "busy_timeout": BUSY_TIMEOUT_SECONDS * 1000,
                  "synchronous": "normal", "cache_size": -32000}


def bind(url, busy_seconds=BUSY_TIMEOUT_SECONDS):
    """Bind the proxy to the database at `url` (sqlite:///… or postgresql://…)."""
    if url.startswith("sqlite"):
        # IMMEDIATE: a transaction takes the write lock when it begins. A deferred one that
        # reads and then writes fails at once with "database is locked" when another writer
        # got in between; an immediate one waits for busy_timeout instead.
        #
        # Pooled: a request "closes" its connection back into the pool. Opening one per request
        # ran the pragmas and re-read the schema each time, costing more than a simple page.
        # Threads take turns with a connection, so it may move between them.
        pragmas = dict(SQLITE_PRAGMAS, busy_timeout=int(busy_seconds * 1000))
        database = connect(url.replace("sqlite:", "sqlite+pool:", 1), pragmas=pragmas,
                           timeout=busy_seconds, lock_type="IMMEDIATE", check_same_thread=False,
                           max_connections=POOL_SIZE)
    else:
        # The same bound for PostgreSQL's row and advisory locks.
        extra = {} if "options=" in url else {"options": f"-c lock_timeout={int(busy_seconds * 1000)}"}
        database = connect(url, **extra)
    db.initialize(database)
    return database


def is_busy(error):
    """True when a database error means a lock could not be had in time (SQLite's "database is
    locked", PostgreSQL's lock timeout), not that something is wrong."""
    text = str(error).lower()
    code = getattr(getattr(error, "orig", None) or getattr(error, "__cause__", None), "pgcode", None)
    return code == "55P03" or "database is locked" in text or "database table is locked" in text \
        or "lock timeout" in text


def is_postgres():
    """True when the bound database is PostgreSQL."""
    return db.obj is not None and db.obj.__class__.__name__.startswith("Postgres")


def lock_until_commit(name):
    """Serialise writers of one named thing (e.g. a class's item numbers) until the transaction ends.

    SQLite transactions already run one at a time (BEGIN IMMEDIATE); on PostgreSQL an advisory
    transaction lock makes racing writers wait instead of failing on a unique index.
    """
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))


class Rows:
    """Rows of a model as the database takes them (every field converted, defaults filled in),
    made before a transaction so that inside it only the insert remains (insert_rows)."""

    def __init__(self, model, rows, last=()):
        """`rows` are dicts of field name to value, all with the same names; the fields named in
        `last` come at the end of each row, to be appended inside the transaction (add())."""
        self.model, self.values = model, []
        given = set(rows[0]) if rows else set()
        self.fields = [f for f in model._meta.sorted_fields
                       if not f.primary_key and f.name not in last] + \
            [model._meta.fields[name] for name in last]
        early = self.fields[:len(self.fields) - len(last)]
        defaults = {f.name: f.default for f in early if f.name not in given}
        adapted = adapter()
        for row in rows:
            self.values.append([adapted(f.db_value(row[f.name] if f.name in given else
                                                (defaults[f.name]() if callable(defaults[f.name])
                                                 else defaults[f.name])))
                                for f in early])


def adapter():
    """A function giving a value as the bound database's driver would write it.

    sqlite3 turns each date into text as it inserts, under the write lock (0.07 s of an import's
    10,000 documents and files); Rows make the same text before it. PostgreSQL's driver adapts
    in C, so there values stay as they are.
    """
    return _same if is_postgres() else _sqlite_text


def _same(value):
    return value


def _sqlite_text(value):
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    return value.isoformat() if isinstance(value, dt.date) else value


def insert_rows(rows, page=500):
    """Insert prepared Rows with one statement run over them all: for an import's thousands of
    rows, peewee's insert_many spends longer building SQL than the database spends writing, and
    that time is under the write lock."""
    if not rows.values:
        return
    table = rows.model._meta.table_name
    columns = ", ".join(f'"{f.column_name}"' for f in rows.fields)
    cursor = db.cursor()
    if is_postgres():
        from psycopg2.extras import execute_values
        execute_values(cursor, f'INSERT INTO "{table}" ({columns}) VALUES %s', rows.values,
                       page_size=page)
    else:
        marks = ", ".join("?" for _ in rows.fields)
        cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows.values)


@contextmanager
def recorded_statements():
    """Yield a list that fills with every SQL statement run inside the block (for tests and
    benchmarks that prove a page or a job does not issue one query per row)."""
    seen, original = [], db.obj.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return original(sql, params, *args, **kwargs)

    db.obj.execute_sql = execute_sql
    try:
        yield seen
    finally:
        db.obj.execute_sql = original


def init_app(app):
    """Bind the database and open/close a connection around each request."""
    bind(app.config["DATABASE_URL"], app.config.get("DB_BUSY_SECONDS", BUSY_TIMEOUT_SECONDS))

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()
