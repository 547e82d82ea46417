"""The `capture` command line (also `python -m capture`, and `flask --app capture …`)."""
import os
import secrets

from flask.cli import FlaskGroup

from . import create_app


def _cli_app():
    # Commands serve no requests, so a missing secret key must not stop an administrator.
    if os.environ.get("CAPTURE_SECRET_KEY"):
        return create_app()
    return create_app({"SECRET_KEY": secrets.token_hex(32)})


main = FlaskGroup(name="capture", create_app=_cli_app, add_version_option=False,
                  help="Records capture for temporary bodies.")

if __name__ == "__main__":
    main()
