"""Every action the code records has words in both languages; outcomes show what was found and
agreed; every time on a page is local."""
import ast
import datetime as dt
import re
from pathlib import Path

import time_machine
from flask_babel import force_locale

from capture import audit
from capture.models import CheckIn, Job
from capture.records import history

from test_guidance import a_checkin, record
from test_history import text_of

CAPTURE = Path(__file__).resolve().parent.parent / "capture"
CJK = re.compile(r"[\u3400-\u9fff]")


def recorded_actions():
    """Every action name the code passes to audit.record(), or lists for audit.record_many()."""
    found = set()
    for path in CAPTURE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "record" and getattr(node.func.value, "id", "") == "audit" \
                    and node.args and isinstance(node.args[0], ast.Constant):
                found.add(node.args[0].value)
            if isinstance(node, ast.Tuple) and len(node.elts) == 4 and isinstance(node.elts[0], ast.Constant) \
                    and isinstance(node.elts[1], ast.Constant) and node.elts[1].value == "Document":
                found.add(node.elts[0].value)  # an import's events, handed to record_many()
    return found


def test_every_recorded_action_has_a_label_in_chinese_and_in_english(app):
    actions = recorded_actions()
    assert {"document.register", "checkin.outcome", "transfer.export", "login"} <= actions
    missing = sorted(a for a in actions if a not in history.ACTIONS)
    assert missing == []
    with app.test_request_context():
        with force_locale("en"):
            untranslated = sorted(a for a in actions if CJK.search(str(history.ACTIONS[a])))
        with force_locale("zh_Hans"):
            assert all(CJK.search(str(history.ACTIONS[a])) for a in actions)
    assert untranslated == []


def test_a_check_in_outcome_in_the_trail_shows_its_findings_and_follow_ups(client, auth, world):
    with time_machine.travel(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc), tick=False):
        checkin = a_checkin(world)
        auth.login("liaison")
        assert record(auth, checkin).status_code == 302
        auth.logout()
        auth.login("admin")
        trail = text_of(client.get(f"/bodies/{world['a'].id}/audit").get_data(as_text=True))
    assert "指导结果登记" in trail and "结果：已开展" in trail
    assert "发现的问题：3 月以来的会议纪要未归档" in trail
    assert "整改事项：补登 3 月会议纪要（张文书，2026-03-10 前）" in trail


def test_the_actions_the_issue_named_read_as_words_in_the_trail(client, auth, world):
    checkin = CheckIn.create(body=world["a"], liaison=world["liaison"], status="held",
                             scheduled_for=dt.datetime(2026, 2, 2, 1))
    audit.record("body.dissolution.undo", world["a"], {"reason": "误登"}, body=world["a"])
    audit.record("checkin.outcome", checkin, {"status": "held", "findings": "纪要未归档"}, body=world["a"])
    auth.login("admin")
    trail = text_of(client.get(f"/bodies/{world['a'].id}/audit").get_data(as_text=True))
    assert "撤回撤销登记" in trail and "body.dissolution.undo" not in trail.split("{")[0]
    assert "发现的问题：纪要未归档" in trail


def test_job_lists_show_local_times(client, auth, world):
    Job.create(kind="ops.fixity", user=world["admin"], status="failed", created_at=dt.datetime(2026, 3, 2, 1, 5))
    auth.login("admin")
    page = client.get("/admin/fixity").get_data(as_text=True)
    assert "2026-03-02 09:05" in page and "UTC" not in page
