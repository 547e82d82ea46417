"""Records capture for temporary bodies: the Flask application factory."""
from pathlib import Path

from flask import Flask, Request, current_app, g, has_request_context, session
from flask_babel import Babel, get_locale, get_translations
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup
from werkzeug.formparser import FormDataParser, MultiPartParser

from . import config as config_module

PACKAGE_DIR = Path(__file__).resolve().parent
LANGUAGES = ("zh_Hans", "en")
csrf = CSRFProtect()
babel = Babel()

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
       "form-action 'self'")


def template_folder():
    """The templates: inside the installed package, else beside it in the source tree."""
    installed = PACKAGE_DIR / "templates"
    return str(installed if installed.is_dir() else PACKAGE_DIR.parent / "templates")


class UploadParser(FormDataParser):
    """Werkzeug's form parser reading the request body in 256 KiB pieces instead of 64 KiB.

    gunicorn receives up to 1 MiB per recv() and hands out each smaller read by copying what is
    left of its buffer, so small reads copy every byte of an upload many times over. (Werkzeug
    refuses a single piece larger than max_form_memory_size, 500 kB by default.)
    """

    buffer_size = 256 * 1024

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = MultiPartParser(stream_factory=self.stream_factory, cls=self.cls,
                                 max_form_memory_size=self.max_form_memory_size,
                                 max_form_parts=self.max_form_parts, buffer_size=self.buffer_size)
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class CaptureRequest(Request):
    """Uploaded files are received straight into the file store's tmp folder, hashed on the way."""

    form_data_parser_class = UploadParser

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        store = current_app.extensions["store"]
        store.check_room(total_content_length)
        return store.incoming()


def select_locale():
    """The user's chosen language, else the session's, else the configured default."""
    if not has_request_context():  # CLI commands and jobs: messages in the default language
        return current_app.config["LANGUAGE"]
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get("language") in LANGUAGES:
        return session["language"]
    return current_app.config["LANGUAGE"]


def _catalogue():
    """The translations of the current language, found once per request: Flask-Babel looks them
    up anew for each of the hundred or so strings a page translates."""
    locale = get_locale()
    found = g.get("catalogue")
    if found is None or found[0] is not locale:
        found = g.catalogue = (locale, get_translations())
    return found[1]


def template_gettext(message, **variables):
    """`_()` in templates, as Jinja's newstyle gettext does it (the translation is trusted markup,
    the variables are escaped into it) in one call instead of three."""
    return Markup(_catalogue().ugettext(message)) % variables


def install_template_gettext(app):
    """Templates translate through _catalogue(): a page calls `_()` a hundred times or more."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals["_"] = template_gettext


def create_app(test_config=None):
    """Build the application: config → db → auth → blueprints → cli."""
    app = Flask(__name__, template_folder=template_folder(), instance_relative_config=False)
    app.request_class = CaptureRequest
    settings = config_module.resolve(test_config)
    app.config.update(settings)
    app.config.update(
        MAX_CONTENT_LENGTH=settings["MAX_UPLOAD_MB"] * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["COOKIE_SECURE"],
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings["COOKIE_SECURE"],
        WTF_CSRF_TIME_LIMIT=None,  # a long form filled in the field must still submit
        BABEL_DEFAULT_LOCALE=settings["LANGUAGE"],
        BABEL_DEFAULT_TIMEZONE=settings["TIMEZONE"],
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
    )
    Path(app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)

    from . import db, auth, storage, web
    db.init_app(app)
    auth.login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    app.extensions["store"] = storage.Store(Path(app.config["DATA_DIR"]) / "store",
                                            app.config["STORE_RESERVE_MB"] * 1024 * 1024)
    # Uploads cut short by a crash leave temporary files; live ones are locked and kept.
    app.extensions["store"].clean_tmp()
    web.register(app)

    from . import cli
    cli.init_app(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
