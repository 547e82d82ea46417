"""Statements that every page runs, written to SQL once per database and then only run.

peewee takes ten times longer to write a small statement's SQL than SQLite takes to run it, and
each page runs the same half-dozen statements (the user, the body, the unread count…) with new
values. A query built with Slot("name") where those values go is compiled once per database and
key; each run fills the slots in, in the order the SQL names them.

Measured on 2026-12-01 (100 bodies × 1,000 documents, requests one at a time, A/B three times):
with the statements compiled once, the document list costs 7.6 ms of worker CPU per request
against 12.5 ms when they are compiled at every run (1.6x), the dashboard 3.8 ms against 5.3 ms
(1.4x). models() builds instances through peewee's private Model._meta.columns, _dirty and
__no_default__; tests/test_prepared.py fails by name when a release changes them.
"""
import datetime as dt
import weakref

from peewee import SQL, DateField, DateTimeField, Expression, Node, NodeList, Value

from .db import db

# Compiled statements of each bound database (tests bind a new one per app).
_compiled = weakref.WeakKeyDictionary()


class _Open:
    """Marks where a slot's value goes among a compiled statement's parameters."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class Slot(Node):
    """A value left open in a prepared query, filled in by name at each run."""

    def __init__(self, name):
        super().__init__()
        self.name = name

    def __sql__(self, ctx):
        # converter=False: the value is given ready for the database at each run.
        return ctx.value(_Open(self.name), converter=False)


def contains(field, slot):
    """`field` contains the slot's text, case-insensitively; fill the slot with like_pattern()."""
    return Expression(field, "ILIKE", NodeList((slot, SQL("ESCAPE"), Value("\\", converter=False))))


def like_pattern(text):
    """The pattern contains() matches `text` with: % and _ are searched for, not wildcards."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def statement(key, build):
    """(sql, parameters) of the query build() returns, compiled once per database and key."""
    database = db.obj
    known = _compiled.get(database)
    if known is None:
        known = _compiled.setdefault(database, {})
    found = known.get(key)
    if found is None:
        found = known[key] = build().sql()
    return found


def bind(key, build, values):
    """(sql, parameters) with every slot filled from the dict `values`."""
    sql, params = statement(key, build)
    return sql, [values[p.name] if isinstance(p, _Open) else p for p in params]


def rows(key, build, **values):
    """The rows (tuples) of the prepared query."""
    sql, params = bind(key, build, values)
    return db.execute_sql(sql, params).fetchall()


def scalar(key, build, **values):
    """The first column of the prepared query's first row, or None."""
    sql, params = bind(key, build, values)
    row = db.execute_sql(sql, params).fetchone()
    return row[0] if row else None


def models(model, key, build, **values):
    """The prepared query's rows as `model` instances (columns converted as the model's fields;
    a column that is not one, such as an alias, becomes a plain attribute)."""
    sql, params = bind(key, build, values)
    cursor = db.execute_sql(sql, params)
    # What peewee's raw() does, without the query object around it (half the time of a page's
    # user or body): convert each column as its field, then mark the instance unchanged.
    fields = [model._meta.columns.get(column[0]) for column in cursor.description]
    names = [field.name if field else column[0] for field, column in zip(fields, cursor.description)]
    converters = [_converter(field) for field in fields]
    found = []
    for row in cursor.fetchall():
        instance = model(__no_default__=1, **{
            name: convert(value) if convert is not None and value is not None else value
            for name, convert, value in zip(names, converters, row)})
        instance._dirty.clear()
        found.append(instance)
    return found


def _converter(field):
    """How a column of `field` becomes its Python value (None: as it comes)."""
    if field is None:
        return None
    if isinstance(field, (DateTimeField, DateField)):
        # SQLite keeps them as ISO text; peewee tries strptime() with one format after another.
        parse = (dt.datetime if isinstance(field, DateTimeField) else dt.date).fromisoformat

        def convert(value):
            if isinstance(value, str):
                try:
                    return parse(value)
                except ValueError:
                    pass
            return field.python_value(value)
        return convert
    return field.python_value


def first(model, key, build, **values):
    """The first row as a `model` instance, or None."""
    found = models(model, key, build, **values)
    return found[0] if found else None
