"""What all input shares: one error for what cannot be accepted (InvalidInput), typed text
without control characters, errors reported per field, and every error of a page gathered for
the summary at its top (base.html), so that a form sent back says what is wrong where the eye is
and links to each field."""
import unicodedata
from urllib.parse import urlsplit

from flask import before_render_template
from flask_babel import gettext as _
from wtforms import Form
from wtforms.fields import FieldList, FormField, HiddenField


class InvalidInput(Exception):
    """Input that cannot be accepted, raised by every journey's services and shown by every
    interface (a form's fields, the API's problem document, the import's report): field_errors
    maps a field to its messages."""

    def __init__(self, field_errors):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in field_errors.items()))
        self.field_errors = field_errors


def local_path(target):
    """`target` when it is a path on this site, else None: never another site, however written
    (`//host`, `/\\host`, which browsers read as `//host`, or control characters they drop)."""
    if not target or not target.startswith("/") or "\\" in target or has_control_characters(target):
        return None
    return target if not target.startswith("//") and not urlsplit(target).netloc else None


def has_control_characters(text, multiline=False):
    """True when text holds control characters (line breaks and tabs allowed if multiline)."""
    allowed = {"\n", "\r", "\t"} if multiline else set()
    return any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") and c not in allowed
               for c in text)


class PlainText:
    """WTForms validator: refuse control characters (NUL would also break PostgreSQL)."""

    def __call__(self, form, field):
        from wtforms.validators import ValidationError
        if field.data and isinstance(field.data, str) and has_control_characters(field.data):
            raise ValidationError(_("含有不可见的控制字符（常见于从其他系统复制的文字），请删去后重新输入。"))


def _is_message(error):
    """A message (a string, lazy or not), not the errors of a nested row (a dict or a list)."""
    return not isinstance(error, (dict, list, tuple))


def problems_of(form, prefix=""):
    """[(field id, label, message)] of one form, in the order of its fields, nested rows included."""
    found = []
    for field in form:
        if isinstance(field, HiddenField) or field.type == "CSRFTokenField":
            continue
        if isinstance(field, FieldList):
            rows = []
            for number, entry in enumerate(field.entries, 1):
                inner = entry.form if isinstance(entry, FormField) else None
                row_prefix = prefix + _("第 %(n)s 项", n=number) + " · "
                rows += problems_of(inner, row_prefix) if inner else [
                    (entry.id, row_prefix + str(field.label.text), str(e)) for e in entry.errors]
            # A list-wide message ("check the due dates") is said by its rows when they speak.
            found += rows or [(field.entries[0].id if field.entries else field.id, str(field.label.text), str(e))
                              for e in field.errors if _is_message(e)]
            continue
        found += [(field.id, prefix + str(field.label.text), str(e)) for e in field.errors
                  if _is_message(e)]
    found += [("files", _("文件"), str(e)) for e in getattr(form, "file_errors", ())]
    found += [("", _("表单"), str(e)) for e in getattr(form, "form_errors", ())]
    return found


def on_page(context):
    """The problems of the forms a template is given, directly or in a dict of forms."""
    forms = []
    for value in context.values():
        if isinstance(value, Form):
            forms.append(value)
        elif isinstance(value, dict):
            forms += [v for v in value.values() if isinstance(v, Form)]
    seen, problems = set(), []
    for form in forms:
        if id(form) not in seen:
            seen.add(id(form))
            problems += problems_of(form)
    return problems


def _add_to_context(sender, template, context, **extra):
    context.setdefault("form_problems", on_page(context))


def init_app(app):
    """Give every rendered page `form_problems`."""
    before_render_template.connect(_add_to_context, app)
