"""File.pages, .claimed, .claim_finding (the facts read from a file's bytes), Document.pages_reason
(why a typed 页数 differs from the files') and CheckIn.held_at (when a check-in actually took place)
(issue 24). Existing files get their facts from `capture file-facts`, or at their next check."""
from peewee import CharField, DateTimeField, IntegerField, TextField

COLUMNS = (("file", "pages", IntegerField(null=True)), ("file", "claimed", CharField(max_length=200, default="")),
           ("file", "claim_finding", TextField(default="")), ("document", "pages_reason", TextField(default="")),
           ("check_in", "held_at", DateTimeField(null=True)))


def up(migrator, db):
    migrator.migrate(*(migrator.add_column(t, name, field) for t, name, field in COLUMNS))


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column(t, name) for t, name, _field in reversed(COLUMNS)))
