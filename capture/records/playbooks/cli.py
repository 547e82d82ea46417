"""`capture playbook export KIND -o FILE.xlsx` and `capture playbook import FILE.xlsx`."""
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from capture.db import db
from capture.models import User

from . import versions, workbook


@click.group("playbook")
def playbook_command():
    """Playbooks (分类指导) as workbooks an archivist edits in Excel or WPS."""


@playbook_command.command("export")
@click.argument("kind")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .xlsx file to write.")
@with_appcontext
def export_command(kind, output):
    """Write the current version of KIND's playbook (e.g. epidemic) to a workbook."""
    with db.connection_context():
        playbook = versions.get(kind)
        if playbook is None:
            known = ", ".join(p.kind for p in versions.all_playbooks())
            click.echo(f"Error: no playbook of kind {kind!r} (known: {known}).", err=True)
            sys.exit(2)
        version = versions.current(playbook)
        Path(output).write_bytes(workbook.write(playbook, version, versions.content_of(version)))
    click.echo(f"{output}: {kind} version {version.number}")


@playbook_command.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--reason", default="", help="Why (kept in the audit trail); default: the file's name.")
@click.option("--user", "username", default=None, help="Record the new version as made by this user.")
@with_appcontext
def import_command(path, reason, username):
    """Check every row of a playbook workbook; if all is right, make it the playbook's new version.

    Exit codes: 0 done (or nothing changed), 1 problems found (nothing changed), 2 wrong arguments.
    """
    with db.connection_context():
        user = User.get_or_none(User.username == username) if username else None
        if username and user is None:
            click.echo(f"Error: no user {username!r}.", err=True)
            sys.exit(2)
        reading = workbook.read(Path(path).read_bytes())
        version = workbook.save(reading, user, reason or f"导入工作簿 {Path(path).name}")
        for p in reading.problems:
            click.echo(f"ERROR\t{p.sheet}\trow {p.row}\t{p.column}\t{p.value}\t{p.reason}", err=True)
        if not reading.ok:
            sys.exit(1)
    if version is None:
        click.echo(f"{reading.kind}: the workbook is the same as the current version; nothing changed.")
    else:
        click.echo(f"{reading.kind}: version {version.number}")
