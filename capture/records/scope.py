"""Default categories and archiving scope per kind of body, seeded when a body is created."""
from capture.models import Category, ScopeItem

# 机构(问题) codes: short, upper-case Latin as they appear inside 档号.
CATEGORIES = {
    "epidemic": [("ZH", "综合协调"), ("FK", "防控处置"), ("YL", "医疗救治"), ("BZ", "物资保障"), ("XC", "宣传信息")],
    "flood": [("ZH", "综合协调"), ("XQ", "汛情监测"), ("QX", "抢险救援"), ("ZY", "转移安置"), ("BZ", "物资保障")],
    "event": [("ZH", "综合协调"), ("AB", "安全保卫"), ("JD", "接待服务"), ("XC", "宣传信息")],
    "project": [("ZH", "综合协调"), ("XM", "项目实施"), ("CW", "经费管理")],
    "other": [("ZH", "综合协调")],
}

# (name, required): what the archive expects every temporary body to file.
SCOPE = [
    ("成立文件（成立通知、批复）", True),
    ("成员名单及职责分工", True),
    ("工作方案、计划", True),
    ("会议纪要、记录", True),
    ("情况报告、工作简报", True),
    ("发布的通知、通告", True),
    ("重要活动照片、录像", False),
    ("工作总结", True),
    ("撤销文件（撤销通知）", True),
]


def seed(body):
    """Give a new body the default categories and scope of its kind."""
    for sort, (code, name) in enumerate(CATEGORIES.get(body.kind, CATEGORIES["other"])):
        Category.create(body=body, code=code, name=name, sort=sort)
    for sort, (name, required) in enumerate(SCOPE):
        ScopeItem.create(body=body, name=name, required=required, sort=sort)
