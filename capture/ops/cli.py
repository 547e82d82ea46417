"""`capture demo`, `capture backup DIR` and `capture restore DIR`: running an installation."""
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from capture import schema
from capture.db import db


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo bodies and users once; print their passwords."""
    from . import demo  # loaded only here: it builds sample files
    with db.connection_context():
        schema.migrate()
        if demo.already_loaded():
            click.echo("Demo data is already loaded; the passwords are in demo-credentials.txt.")
            return
        credentials = demo.load(current_app.config["DATA_DIR"], current_app.extensions["store"])
    click.echo("Demo accounts (shown once, also saved to demo-credentials.txt):")
    for role, username, password in credentials:
        click.echo(f"  {role:<17} {username:<11} {password}")


@click.command("backup")
@click.argument("target_dir", type=click.Path(file_okay=False))
@with_appcontext
def backup_command(target_dir):
    """Back up the database and the file store, with a manifest of digests, while in use."""
    from . import backup
    store = current_app.extensions["store"]
    folder, manifest = backup.backup(current_app.config["DATABASE_URL"], store.root, target_dir,
                                     data_dir=current_app.config["DATA_DIR"])
    click.echo(f"Backup written to {folder} ({len(manifest['files'])} files).")
    if manifest["damaged_in_store"]:
        click.echo("Damaged files in the store (copied as they are): "
                   + ", ".join(manifest["damaged_in_store"]), err=True)
        sys.exit(1)


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--list", "list_only", is_flag=True, help="List the backups in FOLDER and restore nothing.")
@with_appcontext
def restore_command(folder, list_only):
    """Restore a backup into an empty data folder and database, after checking every digest.

    FOLDER is a backup, or the folder given to `capture backup`: the newest backup there is taken."""
    from . import backup
    found = backup.backups_in(folder)
    if list_only:
        for path in found:
            click.echo(str(path))
        if not found:
            raise click.ClickException(f"{folder} holds no capture backups")
        return
    chosen = backup.chosen_backup(folder)
    if chosen is None:
        raise click.ClickException(f"{folder} is not a capture backup and holds none "
                                   "(folders named capture-backup-YYYYMMDD-HHMMSS)")
    if chosen != Path(folder):
        click.echo(f"Restoring the newest of {len(found)} backups in {folder}: {chosen.name}"
                   + (" (see the others with --list)" if len(found) > 1 else ""))
    try:
        manifest = backup.restore(chosen, current_app.config["DATABASE_URL"],
                                  current_app.extensions["store"].root, current_app.config["DATA_DIR"])
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {len(manifest['files'])} files into {current_app.config['DATA_DIR']}. "
               "Run `capture audit-verify` to confirm the audit chain.")


COMMANDS = [demo_command, backup_command, restore_command]
