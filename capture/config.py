"""Settings: defaults, then CAPTURE_* environment variables, then the test dict."""
import os
import secrets
from pathlib import Path

DEFAULTS = {
    "DATA_DIR": "instance",
    "DATABASE_URL": None,  # None: the SQLite file capture.sqlite3 in DATA_DIR
    "SECRET_KEY": None,
    "MAX_UPLOAD_MB": 2048,
    "STORE_RESERVE_MB": 64,  # left free on the store's disk: uploads that would eat into it are refused
    "TIMEZONE": "Asia/Shanghai",
    "LANGUAGE": "zh_Hans",
    "ENV": "production",
    "COOKIE_SECURE": False,
    "BASE_URL": "",  # e.g. https://dangan.example.gov.cn: links in e-mails and the calendar
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_SENDER": "capture@localhost",
    "SMTP_STARTTLS": False,
    # Login throttling (people/throttle.py): failed logins allowed for one account from one client
    # address, and from one address over all usernames, before growing delays begin; the longest delay.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_ADDRESS_FAILURES": 20,
    "LOGIN_LOCK_MINUTES": 15,
    "SESSION_DAYS": 14,  # a browser session ends this many days after login, if not before
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted for the client address.
    "TRUSTED_PROXIES": 0,
    "PAGE_SIZE": 50,
    "API_RATE_PER_MINUTE": 300,  # requests per API token per minute, shared by all workers
    "IMPORT_MAX_UNZIPPED_MB": 4096,  # bulk import: the most a zip of files may expand to
    "DB_BUSY_SECONDS": 10,  # how long a write waits for the lock (db.BUSY_TIMEOUT_SECONDS)
}
INT_KEYS = {"MAX_UPLOAD_MB", "STORE_RESERVE_MB", "SMTP_PORT", "LOGIN_MAX_FAILURES",
            "LOGIN_ADDRESS_FAILURES", "LOGIN_LOCK_MINUTES", "SESSION_DAYS", "TRUSTED_PROXIES",
            "PAGE_SIZE", "API_RATE_PER_MINUTE", "IMPORT_MAX_UNZIPPED_MB",
            "DB_BUSY_SECONDS"}
BOOL_KEYS = {"COOKIE_SECURE", "SMTP_STARTTLS"}


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def from_environ(environ=os.environ):
    """Return the CAPTURE_* settings found in the environment, typed."""
    found = {}
    for key in DEFAULTS:
        raw = environ.get("CAPTURE_" + key)
        if raw is None or raw == "":
            continue
        if key in INT_KEYS:
            try:
                found[key] = int(raw)
            except ValueError:
                raise ConfigError(f"CAPTURE_{key} must be a whole number, not {raw!r}") from None
        elif key in BOOL_KEYS:
            found[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        else:
            found[key] = raw
    return found


def is_development(settings, environ=os.environ):
    """Development: CAPTURE_ENV=development, Flask's debug mode or its dev server."""
    return (settings["ENV"] == "development" or environ.get("FLASK_DEBUG") == "1"
            or environ.get("FLASK_RUN_FROM_CLI") == "true")


def resolve(test_config=None, environ=os.environ):
    """Merge defaults, environment and test dict into the final settings."""
    settings = dict(DEFAULTS)
    settings.update(from_environ(environ))
    settings.update(test_config or {})
    data_dir = Path(settings["DATA_DIR"]).resolve()
    settings["DATA_DIR"] = str(data_dir)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = "sqlite:///" + str(data_dir / "capture.sqlite3")
    if not settings["SECRET_KEY"]:
        if not (settings.get("TESTING") or is_development(settings, environ)):
            raise ConfigError(
                "CAPTURE_SECRET_KEY is not set. Set it to a long random string "
                "(python -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set CAPTURE_ENV=development on a development machine.")
        settings["SECRET_KEY"] = development_key(data_dir)
    return settings


def development_key(data_dir):
    """A random key kept in the data folder so development sessions survive restarts."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
