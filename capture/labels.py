"""Human labels for the stored codes, translated lazily (templates call str() on them)."""
from flask import has_request_context
from flask_babel import get_locale, lazy_gettext as _l

ROLE = {"admin": _l("管理员"), "liaison": _l("档案指导员"), "secretary": _l("文书（秘书）"),
        "transfer_officer": _l("移交接收人员"), "viewer": _l("只读用户")}
MEMBER_ROLE = {"secretary": _l("文书（秘书）"), "liaison": _l("档案指导员"), "viewer": _l("只读")}
KIND = {"epidemic": _l("疫情防控"), "flood": _l("防汛防台"), "event": _l("重大活动"),
        "project": _l("重点项目"), "other": _l("其他")}
TIER = {"key": _l("重点"), "general": _l("一般")}
BODY_STATUS = {"active": _l("运行中"), "dissolving": _l("撤销中"), "dissolved": _l("已撤销"),
               "transferred": _l("已移交")}
RETENTION = {"Y": _l("永久"), "D30": _l("30 年"), "D10": _l("10 年")}
CARRIER = {"electronic": _l("电子"), "paper": _l("纸质"), "photo": _l("照片"),
           "audio-video": _l("录音录像")}
# Security levels are stored in Chinese words (DA/T 22's own), shown in the reader's language.
SECURITY = {"": _l("不标"), "内部": _l("内部"), "秘密": _l("秘密"), "机密": _l("机密")}
DOCUMENT_STATUS = {"registered": _l("已登记"), "withdrawn": _l("已撤回")}
CHECKIN_MODE = {"on_site": _l("现场"), "phone": _l("电话"), "video": _l("视频"), "chat": _l("在线文字")}
CHECKIN_STATUS = {"scheduled": _l("已安排"), "held": _l("已开展"), "missed": _l("未开展"),
                  "cancelled": _l("已取消")}

TRANSFER_STATUS = {"checking": _l("已检测"), "exporting": _l("正在导出"), "failed": _l("导出失败"),
                   "exported": _l("已导出"), "received": _l("已接收")}
COMMITMENT_STATUS = {"open": _l("未兑现"), "overdue": _l("已逾期"), "fulfilled": _l("已兑现")}
CHECK_RESULT = {"pass": _l("通过"), "warning": _l("警告"), "fail": _l("不通过")}
CHECK_PROPERTY = {"authenticity": _l("真实性"), "completeness": _l("完整性"), "usability": _l("可用性"),
                  "security": _l("安全性")}
RECURRENCE = {"": _l("不定期"), "once": _l("一次"), "daily": _l("每天一期"), "weekly": _l("每周一期"),
              "monthly": _l("每月一期"), "per_meeting": _l("每次会议一期"),
              "per_phase": _l("每个工作阶段一期")}
VERIFY_RESULT = {"fail": _l("错误"), "warning": _l("警告"), "info": _l("信息")}


def choices(mapping):
    """WTForms choices from a label mapping."""
    return list(mapping.items())


class _Translated:
    """`labels.X` in templates: the table X with its values translated once per language (a lazy
    string translates itself again every time a row prints it). The app's catalogues are read
    once and never change while it runs, so neither do the translated tables."""

    def __init__(self, tables):
        self._tables, self._done = tables, {}

    def __getattr__(self, name):
        table = self._tables[name]  # KeyError: no such label table
        if not has_request_context():
            return table
        key = (name, str(get_locale()))
        done = self._done.get(key)
        if done is None:
            done = self._done[key] = {code: str(label) for code, label in table.items()}
        return done


def register(app):
    """Make the label tables available in every template as `labels`."""
    app.jinja_env.globals["labels"] = _Translated(
        {name: value for name, value in globals().items() if name.isupper() and isinstance(value, dict)})
