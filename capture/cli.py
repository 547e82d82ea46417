"""The `capture` commands of the core, and the registration of every journey's commands."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from . import audit, schema
from .db import db
from .models import ROLES, Body, File, User
from .ops import cli as ops_cli
from .ops.fixity import fixity_command
from .ops.scheduler import scheduler_command
from .ops.worker import worker_command
from .records.imports.cli import import_command
from .records.playbooks.cli import playbook_command
from .transfer import cli as transfer_cli


@click.command("init")
@with_appcontext
def init_command():
    """Create the database or bring it up to date."""
    with db.connection_context():
        applied = schema.migrate()
    removed = current_app.extensions["store"].clean_tmp()
    click.echo(f"Database ready ({', '.join(applied) or 'no migration pending'}).")
    if removed:
        click.echo(f"Removed {removed} temporary file(s) left by an interrupted upload.")


@click.command("create-user")
@with_appcontext
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="Display name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--email", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(username, display_name, role, email, password_stdin):
    """Create a user; the password is prompted (or read from stdin), never taken from argv."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.ClickException("The password must be at least 10 characters.")
    with db.connection_context(), db.atomic():
        if User.get_or_none(User.username == username):
            raise click.ClickException(f"User {username!r} already exists.")
        user = User(username=username, display_name=display_name, role=role, email=email,
                    password_hash="")
        user.set_password(password)
        user.save()
        audit.record("user.create", user, {"role": role, "via": "cli"})
    click.echo(f"Created {role} {username}.")


@click.command("bodies")
@with_appcontext
def bodies_command():
    """List the bodies: code, name, tier and status."""
    with db.connection_context():
        for body in Body.select().order_by(Body.code):
            click.echo(f"{body.code}\t{body.name}\t{body.tier}\t{body.status}")


@click.command("audit-verify")
@with_appcontext
def audit_verify_command():
    """Check the audit chain; name the first broken event."""
    with db.connection_context():
        count, broken = audit.verify_database()
    if broken is not None:
        click.echo(f"Audit chain BROKEN at event {broken.id} ({broken.at:%Y-%m-%d %H:%M:%S}, "
                   f"{broken.action}): it was edited, or the event before it was removed.", err=True)
        sys.exit(1)
    click.echo(f"Audit chain intact: {count} events verified.")


@click.command("file-facts")
@with_appcontext
@click.option("--all", "every", is_flag=True, help="Read every file again, not only those whose "
              "facts are missing or were read by other readers.")
def file_facts_command(every):
    """Establish each stored file's facts (format, PDF/A claim verified or refuted, pages) from
    its bytes: for files registered before they were kept, or after the readers changed."""
    from .records import filefacts
    with db.connection_context():
        files = list(File.select().order_by(File.id))
        todo = files if every else filefacts.outdated(files)
        done, missing = filefacts.backfill(current_app.extensions["store"], todo)
    click.echo(f"Facts established for {done} of {len(files)} files "
               f"({len(files) - len(todo)} already current).")
    for f in missing:
        click.echo(f"Not in the store: {f.original_name} ({f.sha256}); `capture fixity` names its item.",
                   err=True)
    if missing:
        sys.exit(1)


COMMANDS = [init_command, file_facts_command, create_user_command, bodies_command, audit_verify_command,
            scheduler_command, worker_command, fixity_command, import_command, playbook_command,
            *ops_cli.COMMANDS,
            *transfer_cli.COMMANDS]


def init_app(app):
    """Register every command on the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)

