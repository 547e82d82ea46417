"""The liaison's private calendar feed: parses with icalendar, in Shanghai time, revocable."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar

from capture.models import ApiToken, CheckIn


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc), tick=False):
        yield


def feed_url(auth):
    html = auth.post("/calendar/new", page="/calendar").get_data(as_text=True)
    return re.search(r'value="http://localhost(/calendar/[^"]+\.ics)"', html).group(1)


def test_calendar_feed_parses_and_shows_check_ins_in_shanghai_time(client, auth, world):
    CheckIn.create(body=world["a"], liaison=world["liaison"], place="指挥部 302 会议室",
                   scheduled_for=dt.datetime(2026, 3, 3, 6, 30), is_final=True)
    CheckIn.create(body=world["b"], liaison=world["admin"], scheduled_for=dt.datetime(2026, 3, 4, 2))
    auth.login("liaison")
    url = feed_url(auth)
    auth.logout()
    response = client.get(url)  # no login: the token is the key
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    [event] = calendar.walk("VEVENT")  # only the liaison's own check-ins
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("DTSTART") == dt.datetime(2026, 3, 3, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(hours=1)
    assert "AAA 临时机构" in str(event["SUMMARY"]) and "最后一次" in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == "指挥部 302 会议室"


def test_only_a_hash_of_the_token_is_stored(client, auth, world):
    auth.login("liaison")
    token = feed_url(auth).rsplit("/", 1)[1][:-4]
    row = ApiToken.get(ApiToken.user == world["liaison"])
    assert row.purpose == "calendar" and row.token_hash != token and token not in row.token_hash


def test_revoked_or_replaced_feed_url_stops_working(client, auth, world):
    auth.login("liaison")
    first = feed_url(auth)
    second = feed_url(auth)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    auth.post("/calendar/revoke", page="/calendar")
    assert client.get(second).status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_secretary_has_no_calendar_feed(client, auth, world):
    auth.login("secretary")
    assert client.get("/calendar").status_code == 403
