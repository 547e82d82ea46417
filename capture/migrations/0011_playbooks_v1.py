"""Today's built-in categories and archiving scope (records/scope.py until now) become version 1
of each kind's playbook; every existing body started from version 1 of its kind."""
import datetime as dt
import json

# Written out as they stood in capture/records/scope.py, so that this migration never changes.
KINDS = [("epidemic", "疫情防控", "Epidemic response"), ("flood", "防汛防台", "Flood and typhoon"),
         ("event", "重大活动", "Major event"), ("project", "重点项目", "Key project"),
         ("other", "其他", "Other")]
CATEGORIES = {
    "epidemic": [("ZH", "综合协调"), ("FK", "防控处置"), ("YL", "医疗救治"), ("BZ", "物资保障"), ("XC", "宣传信息")],
    "flood": [("ZH", "综合协调"), ("XQ", "汛情监测"), ("QX", "抢险救援"), ("ZY", "转移安置"), ("BZ", "物资保障")],
    "event": [("ZH", "综合协调"), ("AB", "安全保卫"), ("JD", "接待服务"), ("XC", "宣传信息")],
    "project": [("ZH", "综合协调"), ("XM", "项目实施"), ("CW", "经费管理")],
    "other": [("ZH", "综合协调")],
}
SCOPE = [("成立文件（成立通知、批复）", True, "Y"), ("成员名单及职责分工", True, "Y"),
         ("工作方案、计划", True, "Y"), ("会议纪要、记录", True, "Y"), ("情况报告、工作简报", True, "D30"),
         ("发布的通知、通告", True, "D30"), ("重要活动照片、录像", False, "D30"), ("工作总结", True, "Y"),
         ("撤销文件（撤销通知）", True, "Y")]
# The phases that call for guidance (节点指导) the archive names for each kind.
MILESTONES = {
    "epidemic": ["响应级别调整", "疫情高峰", "转入常态化防控"],
    "flood": ["启动应急响应", "汛期结束"],
    "event": ["活动举办", "活动结束"],
    "project": ["项目开工", "竣工验收"],
    "other": [],
}
GUIDANCE = {"epidemic": ("key", 7)}


def content(kind):
    """Version 1 of a kind's playbook as the JSON the app stores."""
    tier, cadence = GUIDANCE.get(kind, ("general", 30))
    return json.dumps({
        "categories": [{"code": c, "name": n} for c, n in CATEGORIES[kind]],
        "scope": [{"name": n, "required": r, "retention": k, "recurrence": ""} for n, r, k in SCOPE],
        "milestones": [{"name": n, "calls_for_checkin": True} for n in MILESTONES[kind]],
        "guidance": {"tier": tier, "cadence_days": cadence},
    }, ensure_ascii=False, sort_keys=True)


def up(migrator, db):
    at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    versions = {}
    for kind, name, name_en in KINDS:
        if db.execute_sql("SELECT 1 FROM playbook WHERE kind = %s" % db.param, (kind,)).fetchone():
            continue
        db.execute_sql("INSERT INTO playbook (kind, name, name_en, liaisons_may_edit, created_at) "
                       "VALUES (%s, %s, %s, %s, %s)".replace("%s", db.param), (kind, name, name_en, False, at))
        playbook_id = db.execute_sql("SELECT id FROM playbook WHERE kind = %s" % db.param, (kind,)).fetchone()[0]
        db.execute_sql("INSERT INTO playbook_version (playbook_id, number, content, reason, created_at) "
                       "VALUES (%s, 1, %s, %s, %s)".replace("%s", db.param),
                       (playbook_id, content(kind), "内置的分类和归档范围（第 1 版）", at))
        versions[kind] = db.execute_sql(
            "SELECT id FROM playbook_version WHERE playbook_id = %s" % db.param, (playbook_id,)).fetchone()[0]
    if not versions:
        return
    for body_id, kind in db.execute_sql("SELECT id, kind FROM body").fetchall():
        version = versions.get(kind, versions.get("other"))
        db.execute_sql("INSERT INTO body_playbook (body_id, version_id, milestones, created_at) "
                       "VALUES (%s, %s, '[]', %s)".replace("%s", db.param), (body_id, version, at))


def down(migrator, db):
    db.execute_sql("DELETE FROM body_playbook")
    db.execute_sql("DELETE FROM playbook_version")
    db.execute_sql("DELETE FROM playbook")
