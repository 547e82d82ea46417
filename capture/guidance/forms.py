"""Forms of the guidance pages: scheduling a check-in, its outcome, follow-up actions."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, FieldList, Form, FormField,
                     IntegerField, SelectField, StringField, TextAreaField, TimeField)
from wtforms.validators import (DataRequired, Length, NumberRange, Optional, StopValidation,
                                ValidationError)

from capture import labels

OUTCOMES = [("held", _l("已开展")), ("missed", _l("未开展（对方未到或失约）")),
            ("cancelled", _l("已取消"))]
FOLLOW_UP_ROWS = 3


class ScheduleForm(FlaskForm):
    date = DateField(_l("日期"), validators=[DataRequired(_l("请选择日期"))])
    time = TimeField(_l("时间"), validators=[DataRequired(_l("请填写时间，如 09:30"))])
    mode = SelectField(_l("方式"), choices=labels.choices(labels.CHECKIN_MODE))
    place = StringField(_l("地点或会议链接"), validators=[Length(max=300)],
                        description=_l("现场指导填地点；线上指导填电话号码、会议号或链接"))
    contact_person = StringField(_l("机构联系人"), validators=[Length(max=100)])
    liaison = SelectField(_l("指导员"), coerce=int)
    is_final = BooleanField(_l("撤销前的最后一次指导"))


class PhaseForm(FlaskForm):
    """A phase of the body's work that may call for guidance (节点指导)."""
    on = DateField(_l("日期"), validators=[DataRequired(_l("请选择日期"))])
    name = StringField(_l("工作节点"), validators=[DataRequired(_l("请写明工作节点"))],
                       description=_l("如：响应级别提升为一级、进入高峰、转入收尾"))
    calls_for_checkin = BooleanField(_l("需要安排一次指导"), default=True)


def due_when_action(form, field):
    """An empty date is fine on an empty row; a row with an action needs one."""
    if not (field.raw_data and field.raw_data[0].strip()):
        field.errors[:] = []
        if (form.action.data or "").strip():
            raise StopValidation(_l("请填写完成期限"))
        raise StopValidation()


class FollowUpFields(Form):
    """One follow-up row inside the outcome form (no CSRF of its own)."""
    action = StringField(_l("整改事项"), validators=[Length(max=500)])
    owner = StringField(_l("责任人"), validators=[Length(max=100)])
    due = DateField(_l("完成期限"), validators=[due_when_action])

    def validate_due(self, field):
        if not (self.action.data or "").strip():
            raise ValidationError(_l("请先填写整改事项，或清空期限"))


class OutcomeForm(FlaskForm):
    status = SelectField(_l("结果"), choices=OUTCOMES)
    mode = SelectField(_l("实际方式"), choices=labels.choices(labels.CHECKIN_MODE))
    duration = IntegerField(_l("时长（分钟）"), validators=[
        Optional(), NumberRange(1, 1440, message=_l("时长应在 1–1440 分钟之间"))])
    findings = TextAreaField(_l("发现的问题"), validators=[Length(max=5000)],
                             description=_l("如：3 月以来的会议纪要未归档"))
    notes = TextAreaField(_l("指导记录"), validators=[Length(max=10000)])
    reason = TextAreaField(_l("未开展或取消的原因"), validators=[Length(max=2000)])
    held_at = DateTimeLocalField(_l("实际开展时间"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                 validators=[Optional()],
                                 description=_l("未按安排的时间开展时填写（当地时间）"))
    follow_ups = FieldList(FormField(FollowUpFields), min_entries=FOLLOW_UP_ROWS,
                           max_entries=FOLLOW_UP_ROWS)

    def __init__(self, *args, checkin_date=None, starts=None, now=None, **kwargs):
        """`starts` and `now` are local naive times: the check-in's start and the present."""
        super().__init__(*args, **kwargs)
        self.checkin_date, self.starts, self.now = checkin_date, starts, now

    def validate(self, extra_validators=None):
        """The fields' own checks, then that a held check-in has taken place (Optional() on
        held_at stops its inline validators when it is blank, so this runs here)."""
        valid = super().validate(extra_validators)
        problem = self._not_yet_held()
        if problem:
            self.held_at.errors = list(self.held_at.errors) + [problem]
        return valid and not problem

    def _not_yet_held(self):
        # Only what happened is recorded as held: not before it starts, unless it was moved
        # earlier, and then at the time it took place (never a time still to come).
        if self.status.data != "held" or self.now is None:
            return None
        held = self.held_at.data
        if held is not None and held > self.now:
            return _l("实际开展时间不能晚于现在")
        if held is None and self.starts is not None and self.starts > self.now:
            return _l("该次指导定于 %(start)s 开始，尚未到时间，不能登记为已开展。如已提前开展，请填写实际开展时间。",
                      start=self.starts.strftime("%Y-%m-%d %H:%M"))
        return None

    def validate_reason(self, field):
        if self.status.data != "held" and not (field.data or "").strip():
            raise ValidationError(_l("未开展或取消时，请写明原因"))

    def validate_follow_ups(self, field):
        for entry in field.entries:
            due = entry.form.due.data
            if due and self.checkin_date and due < self.checkin_date:
                entry.form.due.errors = list(entry.form.due.errors) + [
                    _l("完成期限不能早于指导日期")]
                raise ValidationError(_l("请检查整改事项的完成期限"))

    def follow_up_rows(self):
        """The filled-in follow-up rows as (action, owner, due)."""
        return [(e.form.action.data, e.form.owner.data or "", e.form.due.data)
                for e in self.follow_ups.entries if (e.form.action.data or "").strip()]


class FollowUpForm(FlaskForm):
    action = StringField(_l("整改事项"), validators=[DataRequired(_l("请填写整改事项")),
                                                  Length(max=500)])
    owner = StringField(_l("责任人"), validators=[Length(max=100)])
    due = DateField(_l("完成期限"), validators=[DataRequired(_l("请选择完成期限"))])
