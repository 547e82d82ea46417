"""The guidance history (checkins.csv) and the body's audit events (audit.jsonl)."""
import csv
import json

from .sheets import csv_row

CHECKIN_COLUMNS = [("scheduled_for", "计划时间"), ("mode", "方式"), ("status", "状态"),
                   ("liaison", "指导员"), ("contact_person", "联系人"), ("place", "地点"),
                   ("is_final", "撤销前最终指导"), ("duration_minutes", "时长（分钟）"),
                   ("notes", "记录"), ("findings", "发现的问题"), ("follow_ups", "整改事项")]


def write_checkins(path, checkins):
    """Write checkins.csv: one row per guidance session (dicts keyed as CHECKIN_COLUMNS)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([label for _, label in CHECKIN_COLUMNS])
        for checkin in checkins:
            writer.writerow(csv_row(checkin.get(key, "") for key, _ in CHECKIN_COLUMNS))


def write_audit(path, events):
    """Write audit.jsonl: one event per line, every field its hash covers included."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for event in events:
            out.write(json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n")
