"""The forms of the documents pages: rendering and CSRF; the checking is in validation.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from capture import clock, labels

FILE_ACCEPT = ("image/*,video/*,audio/*,application/pdf,.pdf,.ofd,.jpg,.jpeg,.tif,.tiff,.png,"
               ".mp4,.mp3,.wav,.xml,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt,.zip")


class DocumentForm(FlaskForm):
    """Register or edit a document (files come as plain inputs named `files`)."""
    file_errors = ()
    accept = FILE_ACCEPT
    category = SelectField(_l("机构（问题）分类"), validate_choice=False)
    retention = SelectField(_l("保管期限"), choices=labels.choices(labels.RETENTION),
                            validate_choice=False)
    carrier = SelectField(_l("载体"), choices=labels.choices(labels.CARRIER), validate_choice=False)
    doc_number = StringField(_l("文号"), description=_l("没有文号的留空"))
    responsible = StringField(_l("责任者"), description=_l("发文机关或个人的全称"))
    title = TextAreaField(_l("题名"), render_kw={"rows": 2})
    title_supplied = BooleanField(_l("自拟题名（原件无标题，由整理人拟写，目录中加 [ ]）"))
    date = StringField(_l("成文日期"), render_kw={"type": "date"})
    pages = StringField(_l("页数"), render_kw={"type": "number", "min": 0, "inputmode": "numeric"},
                        description=_l("有内容的页数；照片、录音录像填 0"))
    security = SelectField(_l("密级"), validate_choice=False,
                           choices=labels.choices(labels.SECURITY))
    scope_item = SelectField(_l("归入归档范围"), validate_choice=False)
    remarks = TextAreaField(_l("备注"), render_kw={"rows": 2})

    def fill_choices(self, categories, scope_items):
        """Choices that depend on the body."""
        self.category.choices = [("", _l("（不分类）"))] + [(c.code, f"{c.code} {c.name}") for c in categories]
        self.scope_item.choices = [("", _l("（暂不归入）"))] + [(str(s.id), s.name) for s in scope_items]

    def set_defaults(self, body, category, retention):
        """Today, the body's usual responsible party, and the category and retention proposed
        (registry.form_defaults says which and why)."""
        # The archive's date, not the server's: from 00:00 to 08:00 in Shanghai UTC is still yesterday.
        self.date.data = clock.today().isoformat()
        self.responsible.data = body.default_responsible
        self.category.data = category
        self.retention.data = retention
        self.pages.data = ""

    def load(self, document):
        """Show a registered document's values."""
        for name in ("doc_number", "responsible", "title", "title_supplied", "security",
                     "carrier", "remarks"):
            getattr(self, name).data = getattr(document, name)
        self.date.data = document.date.isoformat()
        self.pages.data = str(document.pages)
        self.scope_item.data = str(document.scope_item_id or "")

    def values(self):
        """The submitted values as a plain dict for registry.register_document."""
        return {name: getattr(self, name).data for name in (
            "category", "retention", "carrier", "doc_number", "responsible", "title",
            "title_supplied", "date", "pages", "security", "scope_item", "remarks")}

    def show_errors(self, field_errors):
        """Put the service's messages next to their fields; return those with no field."""
        loose = []
        for name, messages in field_errors.items():
            field = getattr(self, name, None)
            if name == "files":
                self.file_errors = list(messages)
            elif field is not None and hasattr(field, "errors"):
                field.errors = list(field.errors) + list(messages)
            else:
                loose.extend(messages)
        return loose


class WithdrawForm(FlaskForm):
    """Withdraw a document, with the reason."""
    reason = TextAreaField(_l("撤回原因"), render_kw={"rows": 3},
                           description=_l("例如：重复登记，见档号 …；误登其他机构的文件"))


class ScopeItemForm(FlaskForm):
    """Add or change an archiving scope item."""
    name = StringField(_l("归档范围条目"))
    required = BooleanField(_l("必须归档"), default=True)
    recurrence = SelectField(_l("形成规律（预立卷）"), choices=labels.choices(labels.RECURRENCE),
                             default="")
    starts_on = DateField(_l("起始日期"), validators=[Optional()],
                          description=_l("不填则从机构成立之日算起"))


class CategoryForm(FlaskForm):
    """Add or change a category (机构或问题)."""
    code = StringField(_l("分类代码"), description=_l("1–6 位大写字母或数字，用于档号"))
    name = StringField(_l("分类名称"))


class PlainForm(FlaskForm):
    """A form with nothing but the CSRF token (buttons that post)."""
