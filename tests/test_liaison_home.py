"""The liaison's home is their work: due today and this week, at risk, open follow-ups, then bodies."""
import datetime as dt

import time_machine

from capture.models import CheckIn, FollowUp

NOON = dt.datetime(2026, 3, 3, 4, 0, tzinfo=dt.timezone.utc)  # Tuesday 3 March, noon in Shanghai


def test_a_liaisons_home_leads_with_their_work_not_with_registering(client, auth, world):
    held = CheckIn.create(body=world["a"], liaison=world["liaison"], status="held",
                          scheduled_for=dt.datetime(2026, 2, 24, 2))
    FollowUp.create(checkin=held, action="补登 2 月会议纪要", owner="张文书", due=dt.date(2026, 3, 6))
    CheckIn.create(body=world["a"], liaison=world["liaison"], scheduled_for=dt.datetime(2026, 3, 3, 6, 30))
    with time_machine.travel(NOON, tick=False):
        auth.login("liaison")
        html = client.get("/").get_data(as_text=True)
    order = [html.index(text) for text in ("今天的指导", "未来七天的安排", "存在风险的临时机构",
                                           "未到期的整改事项", "我负责的临时机构")]
    assert order == sorted(order)
    assert "补登 2 月会议纪要" in html and "14:30" in html
    assert "/documents/new" not in html  # no button inviting the liaison to register


def test_a_secretarys_home_still_offers_registering(client, auth, world):
    auth.login("secretary")
    html = client.get("/").get_data(as_text=True)
    assert "/documents/new" in html and "存在风险的临时机构" not in html
