"""The forms of the dissolution and transfer pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from capture import clock


class DissolveForm(FlaskForm):
    dissolved_on = DateField(_l("撤销日期"), validators=[DataRequired(_l("请输入有效的撤销日期"))],
                             description=_l("以撤销通知载明的日期为准"))
    # A search, not a list of every document: the choices are the items found (views.py).
    notice_q = StringField(_l("查找撤销通知"), validators=[Optional(), Length(max=200)],
                           description=_l("输入档号或题名中的字词，再点“查找”"))
    notice = SelectField(_l("撤销通知"), coerce=int, validators=[Optional()], validate_choice=False,
                         description=_l("选择已登记的撤销通知；尚未登记的，登记后可在检测中补齐"))

    def __init__(self, body, documents, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.body = body
        self.offer(documents)

    def offer(self, documents):
        """Offer these documents (a search's results) as the notice to choose."""
        self.notice.choices = [(0, _l("（尚未登记）"))] + [
            (d.id, f"{d.reference_code} {d.title[:40]}") for d in documents]

    def validate_dissolved_on(self, field):
        if field.data and field.data < self.body.established_on:
            raise ValidationError(_l("撤销日期不能早于成立日期"))
        if field.data and field.data > clock.today():
            raise ValidationError(_l("撤销日期不能晚于今天：请在撤销通知生效后再登记"))


class CorrectDissolutionForm(DissolveForm):
    """Correct the dissolution date and notice, or undo the dissolution, with the reason."""
    reason = TextAreaField(_l("更正原因"), render_kw={"rows": 2},
                           validators=[DataRequired(_l("请写明更正的原因")), Length(max=1000)],
                           description=_l("记入审计记录，例如：撤销通知载明的日期为 10 月 31 日"))


class DescriptionForm(FlaskForm):
    text = TextAreaField(_l("正文"), validators=[Length(max=20000, message=_l("内容过长（上限 20000 字）"))])


class ChronicleForm(FlaskForm):
    date = DateField(_l("日期"), validators=[DataRequired(_l("请输入有效的日期"))])
    event = TextAreaField(_l("事件"), validators=[DataRequired(_l("请简要写明发生了什么")),
                                                Length(max=1000, message=_l("请控制在 1000 字以内"))])


class CommitmentForm(FlaskForm):
    key = HiddenField(validators=[DataRequired()])
    what = TextAreaField(_l("缺失事项"), validators=[DataRequired(_l("请写明缺少什么")), Length(max=1000)])
    promised_by = StringField(_l("承诺人"), validators=[DataRequired(_l("请填写作出承诺的人（姓名、职务）")),
                                                     Length(max=100)])
    due = DateField(_l("承诺补交期限"), validators=[DataRequired(_l("请输入有效的日期"))])

    def validate_due(self, field):
        if field.data and field.data <= clock.today():
            raise ValidationError(_l("承诺期限应晚于今天"))


class FulfilForm(FlaskForm):
    document = SelectField(_l("补交的文件"), coerce=int, validate_choice=False,
                           validators=[DataRequired(_l("请选择已登记的补交文件"))])

    def __init__(self, documents, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.document.choices = [(0, _l("请选择……"))] + [
            (d.id, f"{d.reference_code} {d.title[:40]}") for d in documents]


class VerifyForm(FlaskForm):
    package = FileField(_l("移交包（.zip）"), validators=[FileRequired(_l("请选择要校验的 .zip 移交包"))])
    digest = StringField(_l("登记表上的 SHA-256 摘要"), validators=[
        Optional(), Regexp(r"^\s*[0-9a-fA-F]{64}\s*$", message=_l("摘要应为 64 位十六进制字符"))],
        description=_l("可不填；填写后将与数据包的实际摘要比对"))


class VerifyRestartForm(FlaskForm):
    """Start a verification again (the CSRF token is all it carries)."""
