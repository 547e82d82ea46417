"""Records capture for temporary bodies: the Flask application factory."""
import gc
from pathlib import Path

from flask import Flask

from . import config as config_module
from .extensions import babel, csrf
from .i18n import install_template_gettext, select_locale
from .uploads import CaptureRequest, keep_freed_pieces

PACKAGE_DIR = Path(__file__).resolve().parent

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
       "form-action 'self'")


def template_folder():
    """The templates: inside the installed package, else beside it in the source tree."""
    installed = PACKAGE_DIR / "templates"
    return str(installed if installed.is_dir() else PACKAGE_DIR.parent / "templates")


def create_app(test_config=None):
    """Build the application: config → db → auth → blueprints → cli."""
    app = Flask(__name__, template_folder=template_folder(), instance_relative_config=False)
    app.request_class = CaptureRequest
    keep_freed_pieces()
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

    from . import db, storage, web
    from .people import auth
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

    if not app.testing:
        # The modules, templates and catalogues loaded so far live as long as the process. Left
        # to the collector, every full collection walks all of them again (40-50 ms, every few
        # hundred requests of a page); frozen, it walks only what the requests leave behind.
        gc.collect()
        gc.freeze()

    return app
