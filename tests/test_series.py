"""Expected series (预立卷): the periods a recurring scope item expects, and the gaps named."""
import datetime as dt
import json

from capture.records import series

D = dt.date


def missing_days(status):
    return [p.start for p in status.missing]


def test_a_daily_report_missing_on_two_days_names_both_and_not_today():
    dates = [D(2026, 2, d) for d in (1, 2, 4, 5, 6, 8, 9)]
    status = series.status("daily", D(2026, 2, 1), today=D(2026, 2, 10), dates=dates)
    assert status.expected == 9  # 1–9 February; the 10th may still come today
    assert missing_days(status) == [D(2026, 2, 3), D(2026, 2, 7)]
    assert status.registered == 7


def test_todays_report_is_not_missing_yet_but_yesterdays_is():
    status = series.status("daily", D(2026, 2, 1), today=D(2026, 2, 3), dates=[D(2026, 2, 1)])
    assert missing_days(status) == [D(2026, 2, 2)]


def test_weeks_run_monday_to_sunday_and_this_week_is_not_due():
    # 2026-02-04 is a Wednesday: the first week runs from the start to Sunday the 8th.
    dates = [D(2026, 2, 6), D(2026, 2, 18)]
    status = series.status("weekly", D(2026, 2, 4), today=D(2026, 2, 25), dates=dates)
    assert [(p.start, p.end) for p in status.due] == [
        (D(2026, 2, 4), D(2026, 2, 8)), (D(2026, 2, 9), D(2026, 2, 15)),
        (D(2026, 2, 16), D(2026, 2, 22))]
    assert [(p.start, p.end) for p in status.missing] == [(D(2026, 2, 9), D(2026, 2, 15))]


def test_a_body_dissolved_mid_week_owes_the_days_it_lived():
    # Dissolved on Wednesday 18 February: that week is due, cut at the 18th.
    status = series.status("weekly", D(2026, 2, 9), today=D(2026, 3, 1), dates=[D(2026, 2, 10)],
                           ends_on=D(2026, 2, 18))
    assert [(p.start, p.end) for p in status.due] == [
        (D(2026, 2, 9), D(2026, 2, 15)), (D(2026, 2, 16), D(2026, 2, 18))]
    assert [(p.start, p.end) for p in status.missing] == [(D(2026, 2, 16), D(2026, 2, 18))]


def test_a_series_started_late_expects_nothing_before_its_start():
    status = series.status("daily", D(2026, 3, 10), today=D(2026, 3, 12), dates=[D(2026, 3, 1)])
    assert [p.start for p in status.due] == [D(2026, 3, 10), D(2026, 3, 11)]
    assert status.registered == 0  # a report dated before the series began covers nothing


def test_a_series_not_started_yet_expects_nothing():
    status = series.status("daily", D(2026, 3, 10), today=D(2026, 3, 1), dates=[])
    assert status.due == [] and status.complete


def test_a_document_dated_outside_the_bodys_life_covers_nothing():
    status = series.status("daily", D(2026, 2, 1), today=D(2026, 3, 1),
                           dates=[D(2026, 1, 31), D(2026, 2, 1), D(2026, 2, 3)], ends_on=D(2026, 2, 2))
    assert missing_days(status) == [D(2026, 2, 2)]
    assert status.registered == 1


def test_once_is_due_only_when_the_body_has_ended():
    live = series.status("once", D(2026, 2, 1), today=D(2026, 3, 1), dates=[])
    ended = series.status("once", D(2026, 2, 1), today=D(2026, 3, 1), dates=[], ends_on=D(2026, 2, 20))
    assert live.due == [] and len(ended.missing) == 1


def test_per_meeting_series_are_counted_not_expected():
    status = series.status("per_meeting", D(2026, 2, 1), today=D(2026, 3, 1),
                           dates=[D(2026, 2, 5), D(2026, 2, 12)])
    assert (status.expected, status.registered, status.complete) == (0, 2, True)


def test_periods_read_as_people_say_them_in_both_languages():
    day = series.Period(D(2026, 2, 3), D(2026, 2, 3))
    week = series.Period(D(2026, 2, 2), D(2026, 2, 8))
    assert (series.label(day, "zh_Hans"), series.label(week, "zh_Hans")) == ("2月3日", "2月2日至8日")
    assert (series.label(day, "en"), series.label(week, "en")) == ("Feb 3", "Feb 2\u2009–\u20098")


# On the pages: a liaison sets a daily series; gaps are named; a report filed under it fills one.

import io  # noqa: E402

import docx  # noqa: E402
import time_machine  # noqa: E402

from capture.db import db  # noqa: E402
from capture.models import AuditEvent, ScopeItem  # noqa: E402
from test_documents import register  # noqa: E402

# 10:00 on 6 January 2026 in Shanghai.
MORNING = dt.datetime(2026, 1, 6, 2, 0, tzinfo=dt.timezone.utc)


def daily_report(world, auth):
    """Make the scope item 情况报告 a daily series from 2 January, through the scope page."""
    with db.connection_context():
        item = ScopeItem.get(ScopeItem.body == world["a"], ScopeItem.name.startswith("情况报告"))
    auth.login("liaison")
    response = auth.post(f"/bodies/{world['a'].id}/scope", {
        "what": "scope", "id": str(item.id), "scope-name": item.name, "scope-required": "y",
        "scope-recurrence": "daily", "scope-starts_on": "2026-01-02"})
    assert response.status_code == 302
    return item


@time_machine.travel(MORNING, tick=False)
def test_the_scope_page_names_the_missing_days_of_a_daily_series(client, auth, world):
    item = daily_report(world, auth)
    page = client.get(f"/bodies/{world['a'].id}/scope").get_data(as_text=True)
    assert "1月2日、1月3日、1月4日、1月5日缺" in page  # the 6th may still come today
    assert "应有 4 件，已登记 0 件" in page
    with db.connection_context():
        event = AuditEvent.select().where(AuditEvent.action == "scope.edit").get()
    assert '"recurrence": ["", "daily"]' in event.details or "daily" in event.details

    auth.logout()
    auth.login("secretary")
    assert register(auth, world["a"], scope_item=str(item.id), date="2026-01-03").status_code == 302
    page = client.get(f"/bodies/{world['a'].id}/scope").get_data(as_text=True)
    assert "1月2日、1月4日、1月5日缺" in page and "应有 4 件，已登记 1 件" in page


@time_machine.travel(MORNING, tick=False)
def test_a_series_cannot_start_before_the_body_was_founded(client, auth, world):
    with db.connection_context():
        item = ScopeItem.get(ScopeItem.body == world["a"], ScopeItem.name.startswith("情况报告"))
    auth.login("liaison")
    response = auth.post(f"/bodies/{world['a'].id}/scope", {
        "what": "scope", "id": str(item.id), "scope-name": item.name, "scope-required": "y",
        "scope-recurrence": "daily", "scope-starts_on": "2025-12-01"})
    assert response.status_code == 422
    assert "起始日期应在机构存续期间" in response.get_data(as_text=True)
    with db.connection_context():
        assert ScopeItem.get_by_id(item.id).recurrence == ""


@time_machine.travel(MORNING, tick=False)
def test_the_filing_plan_lists_the_scope_its_series_and_categories(client, auth, world):
    daily_report(world, auth)
    response = client.get(f"/bodies/{world['a'].id}/scope/plan.docx")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    plan = docx.Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in plan.paragraphs)
    assert "归档计划" in text and world["a"].fonds_code in text
    scope_rows = [[c.text for c in row.cells] for row in plan.tables[0].rows]
    assert ["情况报告、工作简报" in r[1] and r[3] == "每天一期" and r[4] == "2026-01-02"
            for r in scope_rows].count(True) == 1
    assert scope_rows[0][6] == "已缺期次"
    assert ["1月2日、1月3日、1月4日、1月5日"] == [r[6] for r in scope_rows if "情况报告" in r[1]]
    assert ("ZH", "综合协调") in [tuple(c.text for c in row.cells) for row in plan.tables[1].rows]


def test_a_stranger_gets_no_filing_plan(client, auth, world):
    auth.login("secretary")
    assert client.get(f"/bodies/{world['b'].id}/scope/plan.docx").status_code in (403, 404)


def test_the_secretarys_home_says_yesterdays_report_is_not_registered_yet(client, auth, world):
    with time_machine.travel(MORNING, tick=False):
        daily_report(world, auth)
        auth.logout()
        auth.login("secretary")
        for day in ("2026-01-02", "2026-01-03", "2026-01-04"):
            register(auth, world["a"], scope_item="", date=day)  # not filed under the series
        page = client.get("/").get_data(as_text=True)
    assert "昨天（1月5日）的“情况报告、工作简报”还未登记。" in page
    with time_machine.travel(MORNING, tick=False):
        with db.connection_context():
            item = ScopeItem.get(ScopeItem.body == world["a"], ScopeItem.recurrence == "daily")
        for day in ("2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05"):
            assert register(auth, world["a"], scope_item=str(item.id), date=day).status_code == 302
        page = client.get("/").get_data(as_text=True)
    assert "还未登记" not in page and "按计划应登记而尚未登记的文件" not in page


def test_missing_periods_put_a_body_at_risk_in_one_pass_over_all_bodies(app, world):
    from capture.guidance import facts
    from capture.models import Body
    from conftest import make_body
    with db.connection_context():
        for code in ("CCC", "DDD"):
            body = make_body(code)
            ScopeItem.update(recurrence="weekly").where(
                ScopeItem.body == body, ScopeItem.name.startswith("情况报告")).execute()
        ScopeItem.update(recurrence="daily", starts_on=dt.date(2026, 1, 2)).where(
            ScopeItem.body == world["a"], ScopeItem.name.startswith("情况报告")).execute()
        from capture.db import recorded_statements
        with recorded_statements() as few:
            found = facts.at_risk(Body.select().where(Body.code.in_(["AAA"])), "Asia/Shanghai", MORNING.replace(tzinfo=None))
        with recorded_statements() as many:
            facts.at_risk(Body.select(), "Asia/Shanghai", MORNING.replace(tzinfo=None))
    assert len(few) == len(many)  # set-based: the same statements for one body or all
    (body_facts, risks), = found
    assert ("series_missing", 4) in [(r.code, r.number) for r in risks]


def test_the_transfer_check_names_the_missing_periods_and_they_can_become_a_commitment(app, world):
    from capture.transfer import checks
    with db.connection_context():
        body = world["a"]
        body.dissolved_on = dt.date(2026, 1, 5)
        body.save()
        ScopeItem.update(recurrence="daily", starts_on=dt.date(2026, 1, 2)).where(
            ScopeItem.body == body, ScopeItem.name.startswith("情况报告")).execute()
        report = checks.run(body, app.extensions["store"], scanner="", today=dt.date(2026, 1, 20))
    found = [f for f in report.findings if f.code == "COMP-SERIES"]
    assert [f.severity for f in found] == ["fail"]
    assert "缺 4 期：1月2日、1月3日、1月4日、1月5日" in found[0].message  # up to the dissolution
    assert found[0].committable
    # Kept as dates, the periods are written the reader's way when the report is read.
    from capture.i18n import fill
    kept = json.loads(json.dumps(report.as_dict(), ensure_ascii=False))["findings"]
    finding = next(f for f in kept if f["code"] == "COMP-SERIES")
    app.config["LANGUAGE"] = "en"
    with app.test_request_context():
        english = fill(finding["template"], finding["params"])
    assert "Jan 2, Jan 3, Jan 4, Jan 5" in english and "月" not in english
