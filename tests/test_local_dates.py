"""Every "today" is the archive's local date (CAPTURE_TIMEZONE), whatever the server's clock says."""
import datetime as dt
import re

import time_machine

from capture import clock
from capture.db import db
from capture.models import Commitment, Document
from capture.transfer import commitments, packaging

from test_documents import register

UTC = dt.timezone.utc
NEW_YEAR_IN_SHANGHAI = dt.datetime(2026, 12, 31, 16, 30, tzinfo=UTC)   # 00:30 on 1 January 2027
EARLY_MORNING = dt.datetime(2026, 12, 1, 16, 0, tzinfo=UTC)             # 00:00 on 2 December
BEFORE_WORK = dt.datetime(2026, 12, 2, 0, 0, tzinfo=UTC)                # 08:00 on 2 December


def _default_date(client, body):
    html = client.get(f"/bodies/{body.id}/documents/new").get_data(as_text=True)
    return re.search(r'name="date" type="date" value="([^"]+)"', html).group(1)


def test_the_register_form_offers_the_local_date_on_new_years_night(client, auth, world):
    with time_machine.travel(NEW_YEAR_IN_SHANGHAI, tick=False):
        auth.login("secretary")
        assert _default_date(client, world["a"]) == "2027-01-01"


def test_the_register_form_offers_the_local_date_from_midnight_to_eight(client, auth, world):
    for moment in (EARLY_MORNING, BEFORE_WORK - dt.timedelta(minutes=1)):
        with time_machine.travel(moment, tick=False):
            auth.login("secretary")
            assert _default_date(client, world["a"]) == "2026-12-02"
            auth.logout()


def test_a_document_registered_on_new_years_night_is_filed_in_the_new_year(client, auth, world):
    with time_machine.travel(NEW_YEAR_IN_SHANGHAI, tick=False):
        auth.login("secretary")
        date = _default_date(client, world["a"])
        response = register(auth, world["a"], date=date)
        assert response.status_code == 302
    document = Document.get()
    assert document.year == 2027 and "·2027-" in document.reference_code


def test_tomorrow_in_shanghai_is_refused_as_a_future_date(client, auth, world):
    with time_machine.travel(dt.datetime(2026, 12, 2, 1, 0, tzinfo=UTC), tick=False):  # 09:00 local
        auth.login("secretary")
        response = register(auth, world["a"], date="2026-12-03")
        assert response.status_code == 422
        assert "成文日期不能晚于今天" in response.get_data(as_text=True)
        assert register(auth, world["a"], date="2026-12-02").status_code == 302


def test_a_commitment_due_yesterday_is_overdue_at_half_past_midnight(app, world):
    with time_machine.travel(EARLY_MORNING + dt.timedelta(minutes=30), tick=False):
        with app.app_context(), db.connection_context():
            promise = Commitment(body=world["a"], what="x", promised_by="y", due=dt.date(2026, 12, 1))
            assert commitments.is_overdue(promise)


def test_a_package_exported_on_new_years_night_is_dated_in_the_new_year(app, world):
    with time_machine.travel(NEW_YEAR_IN_SHANGHAI, tick=False):
        with app.app_context():
            name = packaging.package_name(world["a"], "full", app.config["DATA_DIR"])
    assert name.endswith("-20270101")


def test_statistics_and_the_scheduler_count_the_local_month_and_day(app, world):
    from capture.guidance import scheduled, statistics
    with time_machine.travel(NEW_YEAR_IN_SHANGHAI, tick=False):
        with app.app_context(), db.connection_context():
            figures = statistics.compute(world["admin"], app.config["TIMEZONE"])
            ctx = scheduled.Context(now=clock.utc_now(), zone=app.config["TIMEZONE"], config={}, store=None)
    assert figures.today == dt.date(2027, 1, 1) and figures.months[-1] == "2027-01"
    assert ctx.today == dt.date(2027, 1, 1)


def test_the_zone_is_the_configured_one(app):
    app.config["TIMEZONE"] = "UTC"
    with time_machine.travel(NEW_YEAR_IN_SHANGHAI, tick=False), app.app_context():
        assert clock.today() == dt.date(2026, 12, 31)
