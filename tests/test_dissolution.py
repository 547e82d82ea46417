"""Dissolution with care: a confirmation step, a plausible date, corrections until the first export."""
import datetime as dt
import json

import pytest
import time_machine

from capture.models import AuditEvent, Body
from capture.people import auth as permissions
from capture.transfer import dissolution

from transfer_support import export_folder, flood_body, register

TODAY = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.timezone.utc)  # noon in Shanghai


@pytest.fixture(autouse=True)
def noon_on_1_december():
    """Every test here runs at a known date, logins included."""
    with time_machine.travel(TODAY, tick=False):
        yield


def _dissolve(auth, body, day, **extra):
    url = f"/bodies/{body.id}/transfer"
    return auth.post(f"{url}/dissolve", {"dissolved_on": day, "notice": 0, **extra}, page=url)


def test_dissolving_asks_for_confirmation_and_says_what_will_happen(client, auth, world):
    auth.login("liaison")
    with time_machine.travel(TODAY, tick=False):
        page = _dissolve(auth, world["a"], "2026-11-30")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "确认登记撤销" in html
    assert "分类锁定、归档范围冻结" in html and "最终指导" in html and "可以更正" in html
    assert Body.get_by_id(world["a"].id).status == "active"
    with time_machine.travel(TODAY, tick=False):
        assert _dissolve(auth, world["a"], "2026-11-30", confirmed="1").status_code == 302
    body = Body.get_by_id(world["a"].id)
    assert body.status == "dissolving"
    assert not permissions.can(world["liaison"], "scope.edit", body)  # the scope is frozen


def test_a_future_dissolution_date_is_refused(client, auth, world):
    auth.login("liaison")
    with time_machine.travel(TODAY, tick=False):
        response = _dissolve(auth, world["a"], "2027-03-01", confirmed="1")
        assert response.status_code == 400 and "撤销日期不能晚于今天" in response.get_data(as_text=True)
        # …whichever way it comes in
        try:
            dissolution.dissolve(Body.get_by_id(world["a"].id), world["liaison"], dt.date(2027, 3, 1))
        except dissolution.DissolutionError as refused:
            assert "晚于今天" in str(refused)
        else:
            raise AssertionError("a future date was accepted")
    assert Body.get_by_id(world["a"].id).status == "active"


def test_the_date_and_the_dissolution_are_corrected_with_reasons_until_the_first_export(
        app, client, auth, world):
    body = world["a"]
    auth.login("liaison")
    url = f"/bodies/{body.id}/transfer"
    with time_machine.travel(TODAY, tick=False):
        _dissolve(auth, body, "2026-11-30", confirmed="1")
        missing = auth.post(f"{url}/dissolution", {"correct-dissolved_on": "2026-11-20",
                                                   "correct-notice": 0, "correct-reason": ""}, page=url,
                            follow_redirects=True)
        assert "请写明更正的原因" in missing.get_data(as_text=True)
        auth.post(f"{url}/dissolution", {"correct-dissolved_on": "2026-11-20", "correct-notice": 0,
                                         "correct-reason": "撤销通知载明 11 月 20 日"}, page=url)
    assert Body.get_by_id(body.id).dissolved_on == dt.date(2026, 11, 20)
    event = AuditEvent.get(AuditEvent.action == "body.dissolution.correct")
    assert json.loads(event.details)["reason"] == "撤销通知载明 11 月 20 日"

    with time_machine.travel(TODAY, tick=False):
        auth.post(f"{url}/dissolution", {"correct-dissolved_on": "2026-11-20", "correct-notice": 0,
                                         "correct-reason": "误登：机构延期运行", "undo": "1"}, page=url)
    body = Body.get_by_id(body.id)
    assert body.status == "active" and body.dissolved_on is None
    undo = AuditEvent.get(AuditEvent.action == "body.dissolution.undo")
    assert json.loads(undo.details)["reason"] == "误登：机构延期运行"
    assert permissions.can(world["liaison"], "category.edit", body)


def test_after_the_first_export_the_dissolution_can_no_longer_be_corrected(app, client, auth, tmp_path):
    body, secretary, _ = flood_body(app)
    export_folder(app, body, tmp_path / "out")
    assert not dissolution.correctable(Body.get_by_id(body.id))
    try:
        dissolution.correct(Body.get_by_id(body.id), secretary, dt.date(2026, 10, 1), None, "改")
    except dissolution.DissolutionError as refused:
        assert "不能再更正" in str(refused)
    else:
        raise AssertionError("corrected after the export")


def test_an_active_body_is_not_offered_dissolution_first(app, client, auth, world):
    register(app.extensions["store"], world["a"], world["secretary"], "通知")
    auth.login("liaison")
    html = client.get(f"/bodies/{world['a'].id}/transfer").get_data(as_text=True)
    assert html.index("机构状态") < html.index("四性检测") < html.index('name="dissolve"')
    assert '<details class="dissolve">' in html
    assert "运行中" in html and "下一步" in html


def test_a_liaison_reading_english_is_told_of_the_dissolution_and_its_withdrawal_in_english(app, world):
    from capture.models import Notification
    world["liaison"].language = "en"
    world["liaison"].save()
    with app.test_request_context():  # as on the web: the secretary reads Chinese
        dissolution.dissolve(world["a"], world["secretary"], dt.date(2026, 11, 30))
        dissolution.undo(Body.get_by_id(world["a"].id), world["secretary"], "误登")
    messages = [n.message for n in Notification.select().where(Notification.user == world["liaison"])
                .order_by(Notification.id)]
    assert len(messages) == 2 and "final check-in" in messages[0] and "withdrawn" in messages[1]
