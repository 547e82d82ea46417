"""Every change writes its audit event in the same transaction: the rule the dashboard's cached
parts stand on (guidance/fragments.py keys them by the newest event). Read from the code: each
function that writes a row either records an event itself, is called only by functions that do
(named below, and checked to), or writes what no audit or cached part is about (named, with why).
A new write path that does none of these fails here."""
import ast
from pathlib import Path

from capture.models import MODELS

CODE = Path(__file__).resolve().parents[1] / "capture"
MODEL_NAMES = {m.__name__ for m in MODELS}
CLASS_WRITES = {"create", "insert", "insert_many", "replace", "replace_many", "bulk_create",
                "bulk_update", "get_or_create", "update", "delete"}
ROW_WRITES = {"save", "delete_instance"}
NOT_ROWS = {"upload", "store", "image", "img",  # .save() of a file, not of a row
            "workbook"}  # records/playbooks/workbook.save: a playbook version, audited inside it
AUDITS = {"record", "record_many"}

# Written by a helper inside a transaction its caller opens and audits.
AUDITED_BY_CALLER = {
    "records/files.py:create_file": {"records/registry.py:_create", "records/registry.py:add_file"},
    "records/imports/bulk.py:_insert_files": {"records/imports/bulk.py:register"},
    "records/playbooks/seeding.py:seed": {"records/body_registry.py:create", "ops/demo.py:load"},
    "ops/demo.py:expected_series": {"ops/demo.py:load"},
    "transfer/dissolution.py:_prompt_final_checkin": {"transfer/dissolution.py:dissolve"},
    "transfer/dissolution.py:_tell_withdrawn": {"transfer/dissolution.py:undo"},
    "guidance/calendar.py:_revoke_all": {"guidance/calendar.py:issue", "guidance/calendar.py:revoke"},
    "transfer/packaging.py:_give_identifier": {"transfer/packaging.py:_build"},
    "transfer/packaging.py:_keep_inspections": {"transfer/packaging.py:run_check"},
    "people/sessions.py:start": {"people/views.py:login"},
    "people/sessions.py:end": {"people/views.py:logout"},
    "people/sessions.py:end_all": {"people/views.py:own_sessions", "people/views.py:password",
                                   "people/views.py:edit_user", "people/views.py:end_sessions"},
}

# Writes that are not changes to the records, and that no cached part shows.
NOT_AUDITED = {
    "audit.py:record": "the audit event itself",
    "audit.py:record_many": "the audit events themselves",
    "jobs.py:enqueue": "a background job's own bookkeeping; its work audits what it changes",
    "jobs.py:claim": "a background job's own bookkeeping",
    "jobs.py:heartbeat": "a background job's own bookkeeping",
    "jobs.py:finish": "a background job's own bookkeeping",
    "jobs.py:fail": "a background job's own bookkeeping",
    "jobs.py:restart": "a background job's own bookkeeping",
    "jobs.py:__call__": "a background job's progress",
    "api/idempotency.py:begin": "the answer kept for an Idempotency-Key, not a change",
    "api/idempotency.py:finish": "the answer kept for an Idempotency-Key, not a change",
    "api/idempotency.py:release": "the answer kept for an Idempotency-Key, not a change",
    "people/throttle.py:note_failure": "the login throttle's count (failed logins are logged)",
    "people/throttle.py:clear_account": "the login throttle's count",
    "people/rates.py:_write": "API request counts and last use, not a change",
    "people/rates.py:_take": "a block of the API rate limit taken, not a change",
    "guidance/calendar.py:owner_of": "a calendar token's last use, not a change",
    "records/registry.py:remember_form_choice": "a person's own defaults for the register form, "
                                                "not a record; read per request, never cached",
    "notify.py:mark_read": "a reader's own mark on a notification; read per request, never cached",
    "notify.py:mark_all_read": "a reader's own marks on notifications; read per request, never cached",
    "notify.py:send_pending_email": "when a notification was e-mailed",
    "transfer/packaging.py:claim": "an export under way; its end is audited (transfer.export or "
                                   "transfer.export_failed) and its page is never cached",
    "transfer/packaging.py:note": "an export's progress message",
    "transfer/packaging.py:run_job": "the worker's heartbeat on an export under way",
}


def _receiver(call):
    return call.func.value if isinstance(call.func, ast.Attribute) else None


def _writes(function):
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id == "insert_rows":
            return True
        base = _receiver(node)
        if base is None:
            continue
        if node.func.attr in CLASS_WRITES and isinstance(base, ast.Name) and base.id in MODEL_NAMES:
            return True
        name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
        if node.func.attr in ROW_WRITES and name not in NOT_ROWS:
            return True
    return False


def _calls(function):
    return {(n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", ""))
            for n in ast.walk(function) if isinstance(n, ast.Call)}


def _functions():
    found = {}
    for path in sorted(CODE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                found[f"{path.relative_to(CODE).as_posix()}:{node.name}"] = node
    return found


def test_every_function_that_writes_a_row_audits_it_in_the_same_transaction():
    functions = _functions()
    unaudited = {name for name, f in functions.items() if _writes(f) and not _calls(f) & AUDITS}
    assert unaudited - set(AUDITED_BY_CALLER) - set(NOT_AUDITED) == set(), \
        "these write without recording an audit event (audit.record in the same db.atomic())"
    assert set(AUDITED_BY_CALLER) | set(NOT_AUDITED) <= unaudited, "stale entries: drop them"


def test_the_callers_named_as_auditing_a_helper_do_audit_and_call_it():
    functions = _functions()
    for helper, callers in AUDITED_BY_CALLER.items():
        name = helper.rsplit(":", 1)[1]
        for caller in callers:
            assert _calls(functions[caller]) >= {name} and _calls(functions[caller]) & AUDITS, caller
