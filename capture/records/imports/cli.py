"""`capture import BODY FILE [--files DIR|ZIP] [--dry-run] --user NAME`: bulk import from the shell."""
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from peewee import IntegrityError

from capture.db import db
from capture.models import Body, Membership, User
from capture.people import auth
from capture.forms import InvalidInput

from . import importer
from .sources import SourceError, open_files, read_table

# Exit codes: 0 imported (or the check passed), 1 problems found (nothing imported),
# 2 the command itself was used wrongly (unknown body or user, unreadable file).
EXIT_PROBLEMS, EXIT_USAGE = 1, 2


def _echo_report(report):
    for p in report.problems:
        label = "warning" if p.severity == "warning" else "ERROR"
        click.echo(f"{label}\trow {p.row}\t{p.column}\t{p.value}\t{p.reason}",
                   err=p.severity == "error")


def _fail(message):
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.command("import")
@click.argument("body_code")
@click.argument("table", type=click.Path(exists=True, dir_okay=False))
@click.option("--files", "files_path", type=click.Path(exists=True),
              help="Folder or .zip holding the files named in the 文件名 column.")
@click.option("--dry-run", is_flag=True, help="Check every row and report problems; import nothing.")
@click.option("--user", "username", default=None,
              help="Register as this user (default: the body's first secretary). Must be allowed to register.")
@with_appcontext
def import_command(body_code, table, files_path, dry_run, username):
    """Import a filing catalogue (CSV in UTF-8/GBK, or XLSX) into body BODY_CODE: all rows or none.

    Columns: 序号 档号 文号 责任者 题名 日期 密级 页数 备注 保管期限 分类 载体 文件名 (or the English
    field names). Re-importing the same file creates no duplicates. Exit codes: 0 done, 1 problems
    found (nothing imported), 2 wrong arguments or unreadable file.
    """
    with db.connection_context():
        body = Body.get_or_none(Body.code == body_code)
        if body is None:
            _fail(f"no body with code {body_code!r} (see `capture bodies`).")
        user = _importing_user(body, username)
        try:
            header, rows = read_table(Path(table).read_bytes(), Path(table).name)
            source = open_files(files_path, current_app.config["IMPORT_MAX_UNZIPPED_MB"] * 1024 * 1024) \
                if files_path else None
        except SourceError as error:
            _fail(str(error))
        try:
            report = _run(body, user, header, rows, source, dry_run)
        finally:
            if source is not None:
                source.close()
    _echo_report(report)
    if not report.ok:
        click.echo(f"{len(report.errors)} problem(s) found; nothing was imported.", err=True)
        sys.exit(EXIT_PROBLEMS)
    new = len(report.rows) - len(report.skipped)
    skipped = f", {len(report.skipped)} already imported and skipped" if report.skipped else ""
    if dry_run:
        click.echo(f"Check passed: {new} row(s) would be imported{skipped}. Nothing was imported.")
    else:
        click.echo(f"Imported {len(report.imported)} document(s){skipped}.")


def _run(body, user, header, rows, source, dry_run):
    if dry_run:
        return importer.check(body, header, rows, source)
    with click.progressbar(length=max(len(rows), 1) * 3, label="Importing") as bar:
        def progress(done, total):
            bar.length = total
            bar.update(done - bar.pos)
        try:
            return importer.run(body, user, header, rows, source, current_app.extensions["store"],
                                current_app.config["MAX_CONTENT_LENGTH"], progress=progress)
        except IntegrityError:
            _fail("another import registered the same rows at the same time; run again "
                  "(rows already imported are skipped).")
        except InvalidInput as error:
            _fail(str(error))


def _importing_user(body, username):
    """The user the documents are registered by: named, else the body's first secretary."""
    if username:
        user = User.get_or_none(User.username == username, User.active == True)  # noqa: E712
    else:
        user = (User.select().join(Membership).where(Membership.body == body,
                                                     auth.acting_as("secretary"),
                                                     User.active == True)  # noqa: E712
                .order_by(Membership.id).first())
    if user is None:
        _fail("name an active user with --user (the body has no secretary to default to).")
    if not auth.can(user, "document.register", body):
        _fail(f"user {user.username!r} may not register documents in {body.code}.")
    return user
