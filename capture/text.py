"""Typed text every form shares: no control characters, and errors reported per field."""
import unicodedata

from flask_babel import gettext as _


class RegistrationError(Exception):
    """Metadata or files that cannot be accepted: field_errors maps a field to its messages."""

    def __init__(self, field_errors):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in field_errors.items()))
        self.field_errors = field_errors


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
