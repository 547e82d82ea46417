"""The `capture` command line (also available as `flask --app capture …`)."""
import os
import secrets
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import audit, schema, transfer_cli
from .import_cli import import_command
from .db import db
from .fixity import fixity_command
from .models import ROLES, Body, User
from .scheduler import scheduler_command


def _cli_app():
    from . import create_app
    # Commands serve no requests, so a missing secret key must not stop an administrator.
    if os.environ.get("CAPTURE_SECRET_KEY"):
        return create_app()
    return create_app({"SECRET_KEY": secrets.token_hex(32)})


main = FlaskGroup(name="capture", create_app=_cli_app, add_version_option=False,
                  help="Records capture for temporary bodies.")


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


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo bodies and users once; print their passwords."""
    from . import demo
    with db.connection_context():
        schema.migrate()
        if demo.already_loaded():
            click.echo("Demo data is already loaded; the passwords are in demo-credentials.txt.")
            return
        credentials = demo.load(current_app.config["DATA_DIR"], current_app.extensions["store"])
    click.echo("Demo accounts (shown once, also saved to demo-credentials.txt):")
    for role, username, password in credentials:
        click.echo(f"  {role:<17} {username:<11} {password}")


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


@click.command("backup")
@click.argument("target_dir", type=click.Path(file_okay=False))
@with_appcontext
def backup_command(target_dir):
    """Back up the database and the file store, with a manifest of digests, while in use."""
    from . import backup
    store = current_app.extensions["store"]
    folder, manifest = backup.backup(current_app.config["DATABASE_URL"], store.root, target_dir)
    click.echo(f"Backup written to {folder} ({len(manifest['files'])} files).")
    if manifest["damaged_in_store"]:
        click.echo("Damaged files in the store (copied as they are): "
                   + ", ".join(manifest["damaged_in_store"]), err=True)
        sys.exit(1)


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def restore_command(folder):
    """Restore a backup into an empty data folder and database, after checking every digest."""
    from . import backup
    try:
        manifest = backup.restore(folder, current_app.config["DATABASE_URL"],
                                  current_app.extensions["store"].root)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {len(manifest['files'])} files into {current_app.config['DATA_DIR']}. "
               "Run `capture audit-verify` to confirm the audit chain.")


COMMANDS = [init_command, demo_command, create_user_command, bodies_command, audit_verify_command,
            backup_command, restore_command, scheduler_command, fixity_command, import_command,
            *transfer_cli.COMMANDS]


def init_app(app):
    """Register every command on the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)


if __name__ == "__main__":
    main()
