"""Languages: choosing one per request, and fast translation in templates."""
import datetime as dt
import json

from babel import Locale
from babel.dates import format_interval, format_skeleton
from flask import current_app, g, has_request_context, session
from flask_babel import get_locale, get_translations, gettext as _
from flask_login import current_user
from markupsafe import Markup

LANGUAGES = ("zh_Hans", "en")
_LOCALES = {}


def select_locale():
    """The user's chosen language, else the session's, else the configured default."""
    if not has_request_context():  # CLI commands and jobs: messages in the default language
        return _locale(current_app.config["LANGUAGE"])
    user = current_user._get_current_object()
    if user and user.is_authenticated and user.language in LANGUAGES:
        return _locale(user.language)
    if session.get("language") in LANGUAGES:
        return _locale(session["language"])
    return _locale(current_app.config["LANGUAGE"])


def _locale(name):
    """The babel Locale named `name`, parsed once: Flask-Babel parses a name (and looks for its
    locale data on disk) at every request."""
    found = _LOCALES.get(name)
    if found is None:
        found = _LOCALES[name] = Locale.parse(name)
    return found


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


def bound_template_gettext():
    """`_()` for one rendering, with the catalogue looked up once for all its strings."""
    translate = _catalogue().ugettext

    def gettext(message, **variables):
        text = translate(message)
        # Formatting with no variables only turns %% into %: skip it where there is none.
        if not variables and "%" not in text:
            return Markup(text)
        return Markup(text) % variables
    return {"_": gettext}


def install_template_gettext(app):
    """Templates translate through _catalogue(): a page calls `_()` a hundred times or more."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
        newstyle=True)
    # Macros imported without context see the global; a rendered template, the bound one.
    app.jinja_env.globals["_"] = template_gettext
    app.context_processor(bound_template_gettext)


def N_(message):
    """Mark a stored message for translation: it is kept in Chinese (a check report is an archival
    record) and shown again in the reader's language by fill()."""
    return message


# Values of a stored message that are themselves messages (not user data), translated by fill().
TRANSLATED_VALUES = {"problem", "source", "version", "encoding", "label", "why", "kind"}
# Values that are lists of messages, each a clause of its own (joined with ； / "; ").
CLAUSES = {"problems", "gaps", "errors"}
# Ends a list shown only in part: 0001、0002…… in Chinese, "0001, 0002, …" in English.
MORE = N_("……")


def message(msgid, **params):
    """A message kept inside another one's values (a sub-problem), filled in by fill()."""
    return {"msgid": msgid, "params": params}


def period(start, end):
    """A period (a day or a span) kept inside a message's values, written by fill() the way the
    reader's language says dates (2月3日 / Feb 3; 2月2日至8日 / Feb 2 – 8)."""
    return {"period": [start.isoformat(), end.isoformat()]}


def period_label(start, end, locale):
    """A day or a span of days as people say it in `locale`."""
    if start == end:
        return format_skeleton("MMMd", start, locale=locale)
    return format_interval(start, end, "MMMd", locale=locale)


def _item(value, translate, locale):
    if isinstance(value, dict) and "period" in value:
        start, end = (dt.date.fromisoformat(day) for day in value["period"])
        return period_label(start, end, locale or get_locale())
    if isinstance(value, dict):
        return fill(value["msgid"], value.get("params"), translate, locale)
    return translate(value) if isinstance(value, str) else str(value)


def fill(template, params, translate=None, locale=None):
    """A stored message in the reader's language (as written: translate=str, locale zh_Hans).

    The msgid is translated, then its values put in: a message() or period() inside is written
    in the same language; a list is joined the language's way (、 / ", ", or ； / "; " for
    CLAUSES), each item translated, MORE last saying it goes on; TRANSLATED_VALUES translated.
    """
    translate = translate or _
    values = {}
    for name, value in (params or {}).items():
        if isinstance(value, dict):
            value = _item(value, translate, locale)
        elif isinstance(value, list):
            more = translate(MORE) if value[-1:] == [MORE] else ""
            items = value[:-1] if more else value
            value = translate("；" if name in CLAUSES else "、").join(
                _item(item, translate, locale) for item in items) + more
        elif name in TRANSLATED_VALUES and isinstance(value, str):
            value = translate(value)
        values[name] = value
    return translate(template) % values


def keep(msgid, **params):
    """A message as a text column keeps it (a job's or an export's failure): its msgid and values,
    to be read in whichever language its reader has (kept_text())."""
    return json.dumps({"msgid": msgid, "params": params}, ensure_ascii=False)


def kept_text(text):
    """A message kept by keep() in the reader's language; a bare msgid (a step such as 正在检测)
    translated; other text (kept before messages were) shown as it is."""
    if text and text.startswith('{"msgid"'):
        try:
            kept = json.loads(text)
        except ValueError:
            return text
        return fill(kept["msgid"], kept.get("params"))
    return _(text) if text else text


def size_text(size):
    """A file size the one way each language writes it: 607 字节 / 607 bytes, then KB and MB in
    steps of 1024 with one decimal, the same number the file picker (upload.js) shows."""
    if size is None:
        return ""
    if size < 1024:
        return _("%(n)s 字节", n=size)
    value, unit = float(size), ""
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024:
            break
    return f"{value:.1f} {unit}"
