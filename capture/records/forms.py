"""The forms of the records pages: bodies, members, documents, scope; rendering and CSRF (a
document's metadata is checked in validation.py)."""
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from capture import clock, labels
from capture.forms import PlainText

from .playbooks import versions

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
    pages_reason = TextAreaField(_l("保留所填页数的原因"), render_kw={"rows": 2},
                                 description=_l("例如：文件含空白页、附件另行登记"))
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
        self.pages_reason.data = document.pages_reason
        self.scope_item.data = str(document.scope_item_id or "")

    def values(self):
        """The submitted values as a plain dict for registry.register_document ("use the files'
        pages" leaves 页数 blank: the registry then takes the count read from the files)."""
        values = {name: getattr(self, name).data for name in (
            "category", "retention", "carrier", "doc_number", "responsible", "title",
            "title_supplied", "date", "pages", "pages_reason", "security", "scope_item", "remarks")}
        if request.form.get("pages_choice") == "files":
            values["pages"], values["pages_reason"] = "", ""
        return values

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


class BodyForm(FlaskForm):
    name = StringField(_l("机构名称"), validators=[
        PlainText(), DataRequired(_l("请输入机构名称")), Length(max=200)])
    code = StringField(_l("机构代码"), description=_l("2–10 位大写字母或数字，用于档号，如 YQFK"),
                       validators=[DataRequired(_l("请输入机构代码")),
                                   Regexp(r"^[A-Z0-9]{2,10}$", message=_l("机构代码应为 2–10 位大写字母或数字"))])
    fonds_code = StringField(_l("全宗号"), description=_l("4 位，一般使用上级机关的全宗号，如 J001"),
                             validators=[DataRequired(_l("请输入全宗号")),
                                         Regexp(r"^[A-Z0-9]{4}$", message=_l("全宗号应为 4 位大写字母或数字"))])
    lead_org = StringField(_l("牵头单位"), validators=[PlainText(), Length(max=200)])
    # No default: the kind seeds the categories, so it is chosen, not inherited from the first option.
    kind = SelectField(_l("机构类型"), validators=[DataRequired(_l("请选择机构类型，它决定默认的分类"))],
                       choices=[("", _l("请选择机构类型……"))] + labels.choices(labels.KIND))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The kinds are the playbooks': an archive may add its own (records/playbooks).
        self.kind.choices = [("", _l("请选择机构类型……"))] + versions.kind_choices()

    tier = SelectField(_l("指导级别"), choices=labels.choices(labels.TIER))
    cadence_days = IntegerField(_l("指导周期（天）"), validators=[
        Optional(), NumberRange(1, 365, message=_l("指导周期应在 1–365 天之间"))],
        description=_l("留空则按级别：重点 7 天，一般 30 天"))
    established_on = DateField(_l("成立日期"), validators=[DataRequired(_l("请输入有效的成立日期"))])
    expected_end = DateField(_l("预计撤销日期"), validators=[Optional()])
    custodian = StringField(_l("撤销后档案保管单位"), validators=[PlainText(), Length(max=200)])
    contact_person = StringField(_l("联系人"), validators=[PlainText(), Length(max=100)])
    default_responsible = StringField(_l("常用责任者"), validators=[PlainText(), Length(max=200)],
                                      description=_l("登记文件时默认填入的责任者"))

    def validate_expected_end(self, field):
        if field.data and self.established_on.data and field.data < self.established_on.data:
            raise ValidationError(_l("预计撤销日期不能早于成立日期"))


class MemberForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[PlainText(), DataRequired(_l("请输入用户名"))])
    role = SelectField(_l("在本机构中的角色"), choices=labels.choices(labels.MEMBER_ROLE))
