"""`capture check`, `capture export` and `capture verify`: the transfer from the command line."""
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from capture.db import db
from capture.models import AuditEvent, Body, User

from . import packaging, verify as verifier

MARK = {"pass": "通过", "warning": "警告", "fail": "不通过"}
VERIFY_MARK = {"fail": "错误", "warning": "警告", "info": "信息"}


def _body(code):
    body = Body.get_or_none(Body.code == code)
    if body is None:
        raise click.ClickException(f"No body with code {code!r}; `capture bodies` lists them.")
    return body


NO_OPERATOR = ("Name the person who signs the register and the check report: "
               "--operator NAME (a username or a person's name). The body has no transfer officer "
               "to stand in: none has handled its dissolution or transfer, and there is not exactly one.")


def operator(name, body):
    """(account, name) of who runs a command: --operator as a username or a person's name, else
    the body's transfer officer; never the operating-system account, which names no person."""
    name = (name or "").strip()
    if not name:
        officer = transfer_officer(body)
        if officer is None:
            raise click.ClickException(NO_OPERATOR)
        return officer, officer.display_name
    user = User.get_or_none((User.username == name) & (User.active == True))  # noqa: E712
    return user, (user.display_name if user else name)


def transfer_officer(body):
    """The body's transfer officer: the active transfer officer who last handled its dissolution
    or transfer, else the installation's only active transfer officer; None when neither."""
    officers = User.select().where(User.role == "transfer_officer", User.active == True)  # noqa: E712
    handled = (AuditEvent.select(AuditEvent.user).where(
        AuditEvent.body == body, AuditEvent.user.in_(officers.select(User.id)),
        AuditEvent.action.startswith("body.dissol") | AuditEvent.action.startswith("transfer."))
        .order_by(AuditEvent.id.desc()).first())
    if handled is not None:
        return User.get_by_id(handled.user_id)
    only = list(officers.limit(2))
    return only[0] if len(only) == 1 else None


def print_report(report):
    """Print the findings worth reading (failures and warnings first), then the summary."""
    order = {"fail": 0, "warning": 1, "pass": 2}
    for f in sorted(report.findings, key=lambda f: order[f.severity]):
        note = "（已承诺）" if f.committed else ""
        click.echo(f"[{MARK[f.severity]}] {f.code:<18} {f.message}{note}")
    s = report.summary
    click.echo(f"通过 {s['pass']}，警告 {s['warning']}，不通过 {s['fail']}"
               f"（其中未承诺 {len(report.uncovered)}）")


@click.command("check")
@with_appcontext
@click.argument("body_code", metavar="BODY")
@click.option("--operator", "operator_name", help="Who runs this: a username or a person's name "
              "(default: the body's transfer officer); written in the report and the register.")
def check_command(body_code, operator_name):
    """Run the four-properties check on BODY (its code); exit 1 when anything fails."""
    with db.connection_context():
        body = _body(body_code)
        user, name = operator(operator_name, body)
        with click.progressbar(length=100, label="Checking", file=sys.stderr) as bar:
            seen = [0]

            def progress(done, total):
                percent = done * 100 // total
                bar.update(percent - seen[0])
                seen[0] = percent
            _transfer, report = packaging.run_check(body, user, current_app.extensions["store"], progress,
                                                    operator=name)
    print_report(report)
    sys.exit(1 if report.summary["fail"] else 0)


@click.command("export")
@with_appcontext
@click.argument("body_code", metavar="BODY")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder that receives the package and its register.")
@click.option("--zip", "zip_package", is_flag=True, help="Write one zip file instead of a folder.")
@click.option("--operator", "operator_name", help="Who runs this: a username or a person's name "
              "(default: the body's transfer officer); written in the report and the register.")
@click.option("--again", is_flag=True, help="Write the last exported package again in the other "
              "form (folder, or zip with --zip): the same files, with a register of its own.")
def export_command(body_code, out_dir, zip_package, operator_name, again):
    """Check BODY, then write its BagIt transfer package to DIR; print its path and SHA-256.

    Once a package was exported, writes the supplementary package of the items registered since
    (also for a transferred body), or says there is nothing to add.
    """
    with db.connection_context():
        body = _body(body_code)
        user, name = operator(operator_name, body)
        if again:
            transfer = packaging.last_exported(body)
            if transfer is None:
                raise click.ClickException("该机构还没有导出过移交包。")
            try:
                result = packaging.write_again(transfer, out_dir, zip_package, user, name)
            except (packaging.ExportError, OSError) as exc:
                raise click.ClickException(str(exc))
            _print_result(result, zip_package)
            return
        try:
            transfer = packaging.claim(body, user, name)
        except packaging.NothingToAdd as exc:
            click.echo(str(exc))  # not an error: the archive already has everything
            return
        except packaging.ExportError as exc:
            raise click.ClickException(str(exc))
        bar = click.progressbar(length=1, label="Exporting", file=sys.stderr)

        def on_total(total):
            bar.length = max(total, 1)
        try:
            with bar:
                result = packaging.export(transfer, current_app.extensions["store"], out_dir,
                                          zip_package=zip_package, echo=bar.update, on_total=on_total)
        except packaging.ExportError as exc:
            raise click.ClickException(str(exc))
    _print_result(result, zip_package)


def _print_result(result, zip_package):
    click.echo(f"Package:  {result.path}")
    click.echo(f"Register: {packaging.register_path(result.path)}")
    click.echo(f"SHA-256:  {result.sha256} "
               f"({'zip file' if zip_package else 'tagmanifest-sha256.txt'}, {result.size} bytes)")
    click.echo(f"SM3:      {result.sm3} ({'zip file' if zip_package else 'tagmanifest-sm3.txt'})")


@click.command("verify")
@click.argument("path", type=click.Path(exists=True))
@click.option("--digest", help="The package SHA-256 from the transfer register.")
@click.option("--language", type=click.Choice(["zh_Hans", "en"]),
              help="Language of the messages (default: CAPTURE_LANGUAGE, else the locale's).")
def verify_command(path, digest, language):
    """Validate a package (folder or zip) as the receiving archive would; exit 0 only when valid."""
    translate = _translator(language or _cli_language())
    result = verifier.verify(path, digest)
    for severity, message in result.messages(translate):
        click.echo(f"[{translate(VERIFY_MARK[severity])}] {message}")
    click.echo(("VALID" if result.valid else "INVALID") + f": {verifier.shown(path)}")
    sys.exit(0 if result.valid else 1)


def _cli_language():
    """CAPTURE_LANGUAGE, else English where the locale is English, else Chinese."""
    if os.environ.get("CAPTURE_LANGUAGE") in ("zh_Hans", "en"):
        return os.environ["CAPTURE_LANGUAGE"]
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "en" if locale.startswith("en") else "zh_Hans"


def _translator(language):
    """gettext of the app's catalogue for `language`, read without an app."""
    from babel.support import Translations
    folder = Path(__file__).resolve().parent.parent / "translations"
    return Translations.load(str(folder), [language]).ugettext


COMMANDS = [check_command, export_command, verify_command]
