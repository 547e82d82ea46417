"""Migrations as the field needs them: a frozen first schema, numbered changes after it, a
database built by migrating equal to the models, and data at the first schema kept on upgrade."""
import datetime as dt
import re

from peewee import (BigIntegerField, BooleanField, CharField, DateField, DateTimeField,
                    ForeignKeyField, IntegerField, TextField)
from playhouse.migrations import Runner

from capture import schema
from capture.db import db, is_postgres
from capture.models import MODELS


def _files():
    return sorted(schema.MIGRATIONS.glob("[0-9]*.py"))


def _empty():
    """Drop every table, so the next step starts from a database with nothing in it."""
    if is_postgres():
        db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        db.drop_tables(MODELS)
        db.execute_sql("DROP TABLE IF EXISTS schema_migration")


def _where(sql):
    """The condition of a partial index, spelled the same on both databases."""
    found = re.search(r"\bWHERE\b(.*)$", sql or "", re.I | re.S)
    return re.sub(r"[\s()\"]", "", found.group(1)).lower() if found else ""


def _columns(table):
    if is_postgres():
        return {name: (kind, size, null, default) for name, kind, size, null, default in db.execute_sql(
            "SELECT column_name, data_type, character_maximum_length, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
            (table,)).fetchall()}
    return {row[1]: (row[2].upper(), bool(row[3]), row[4], row[5])
            for row in db.execute_sql(f'PRAGMA table_info("{table}")').fetchall()}


def _constraints(table):
    """Foreign keys (with what a delete does), checks, primary and unique keys."""
    if is_postgres():
        return sorted(d for (d,) in db.execute_sql(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass",
            (f'"{table}"',)).fetchall())
    return sorted((row[3], row[2], row[4], row[6]) for row in
                  db.execute_sql(f'PRAGMA foreign_key_list("{table}")').fetchall())


def _schema():
    """Every table's columns (type, length, nullability, default), indexes and constraints."""
    tables = [t for t in db.get_tables() if t != "schema_migration"]
    return {t: {"columns": _columns(t),
                "indexes": sorted((i.name, tuple(i.columns), i.unique, _where(i.sql))
                                  for i in db.get_indexes(t)),
                "constraints": _constraints(t)} for t in tables}


def test_the_schema_built_by_migrating_from_the_first_one_is_the_models_schema(app):
    with db.connection_context():
        migrated = _schema()
        _empty()
        db.create_tables(MODELS)
        assert migrated == _schema(), \
            "a model changed without a migration: add one (docs/architecture.md, Changing the schema)"


def _sample(field, n):
    """A value of the field's kind for row `n` (text in Chinese, so the encoding is kept too)."""
    if isinstance(field, ForeignKeyField):
        return None if field.rel_model is field.model else n
    if isinstance(field, BooleanField):
        return n % 2 == 1
    if isinstance(field, (BigIntegerField,)):
        return 2 ** 40 + n
    if isinstance(field, IntegerField):
        return n
    if isinstance(field, DateTimeField):
        return dt.datetime(2026, 3, n, 8, 30, 15)
    if isinstance(field, DateField):
        return dt.date(2026, 3, n)
    if isinstance(field, (CharField, TextField)):
        return f"{n}·{field.name}记录"[:getattr(field, "max_length", None) or 100]
    raise AssertionError(f"no sample for {field!r}")


# What later migrations remove, and why nothing a record needs goes with it.
DROPPED_ON_PURPOSE = {
    "user.session_version",  # 0009: sessions are kept on the server (user_session)
    "login_failure.id", "login_failure.username", "login_failure.count",  # 0009: login_throttle
    "login_failure.last_at",
}


def test_a_database_holding_data_at_the_first_schema_upgrades_with_every_row_intact(app):
    with db.connection_context():
        _empty()
        assert schema.migrate("0001_initial") == ["0001_initial"]
        first = Runner(db.obj, directory=str(schema.MIGRATIONS)).migrations()[0].load()
        frozen = first.tables(db.obj)
        for model in frozen:
            for n in (1, 2):
                model.insert({f: _sample(f, n) for f in model._meta.sorted_fields
                              if not f.primary_key}).execute()
        # Each body's transfer exported after its document was registered: it went with it.
        db.execute_sql("UPDATE transfer SET status = 'exported', started_at = %s"
                       .replace("%s", db.param), (dt.datetime(2026, 4, 1),))

        def rows(kept=None):
            return {m._meta.table_name: m.select(*[f for f in m._meta.sorted_fields
                                                   if kept is None or f.column_name in kept[m._meta.table_name]])
                    .order_by(m._meta.primary_key).tuples()[:]
                    for m in frozen if kept is None or m._meta.table_name in kept}

        before = rows()
        assert schema.migrate() == [p.stem for p in _files()[1:]]
        tables = set(db.get_tables())
        kept = {m._meta.table_name: {c.name for c in db.get_columns(m._meta.table_name)}
                for m in frozen if m._meta.table_name in tables}
        gone = {f"{m._meta.table_name}.{f.column_name}" for m in frozen for f in m._meta.sorted_fields
                if f.column_name not in kept.get(m._meta.table_name, ())}
        assert gone == DROPPED_ON_PURPOSE
        assert rows(kept) == {table: [tuple(v for f, v in zip(m._meta.sorted_fields, row)
                                            if f.column_name in kept[table]) for row in before[table]]
                              for m in frozen if (table := m._meta.table_name) in kept}
        assert db.execute_sql("SELECT transferred_in_id FROM document ORDER BY id").fetchall() \
            == [(1,), (2,)]
        uuids = [u for (u,) in db.execute_sql("SELECT uuid FROM transfer").fetchall()]
        assert len(set(uuids)) == 2 and all(len(u) == 36 for u in uuids)


def test_a_database_that_applied_migrations_by_their_old_names_runs_none_again(app):
    with db.connection_context():
        for old, new in schema.RENAMED.items():
            db.execute_sql("UPDATE schema_migration SET name = %s WHERE name = %s"
                           .replace("%s", db.param), (old, new))
        assert schema.pending() == []
        assert schema.migrate() == []
        names = {n for (n,) in db.execute_sql("SELECT name FROM schema_migration").fetchall()}
        assert names == {p.stem for p in _files()}


def test_migrations_are_numbered_in_sequence_and_import_nothing_live():
    files = _files()
    assert [int(p.name[:4]) for p in files] == list(range(1, len(files) + 1))
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+capture\b", text, re.M), \
            f"{path.name} imports the live code; a migration keeps a frozen copy of what it touches"
        assert "def up(migrator, db)" in text and "def down(migrator, db)" in text, path.name
