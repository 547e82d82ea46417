"""The notification inbox and the unread count in the navigation."""
import re

from capture.models import Notification
from conftest import csrf_token


def notify(user, key, link=""):
    return Notification.create(user=user, kind="checkin.reminder", key=key,
                               message="明天 09:30 与“AAA 临时机构”开展档案指导。", link=link)


def badge(html):
    match = re.search(r'通知 <span class="badge"[^>]*>(\d+)</span>', html)
    return int(match.group(1)) if match else 0


def test_unread_count_shows_in_the_navigation_until_opened(client, auth, world):
    note = notify(world["liaison"], "k1", link=f"/bodies/{world['a'].id}/checkins")
    notify(world["liaison"], "k2")
    auth.login("liaison")
    home = client.get("/").get_data(as_text=True)
    assert badge(home) == 2
    inbox = client.get("/notifications")
    assert "明天 09:30" in inbox.get_data(as_text=True)
    response = client.post(f"/notifications/{note.id}/open", data={"csrf_token": csrf_token(inbox)})
    assert response.location == f"/bodies/{world['a'].id}/checkins"
    assert badge(client.get("/").get_data(as_text=True)) == 1
    client.post("/notifications/read-all", data={"csrf_token": csrf_token(inbox)})
    assert badge(client.get("/").get_data(as_text=True)) == 0


def test_opening_never_leaves_the_site(client, auth, world):
    note = notify(world["liaison"], "k1", link="//evil.example/phish")
    auth.login("liaison")
    token = csrf_token(client.get("/notifications"))
    response = client.post(f"/notifications/{note.id}/open", data={"csrf_token": token})
    assert response.location == "/notifications"


def test_nobody_reads_another_users_notifications(client, auth, world):
    note = notify(world["liaison"], "k1")
    auth.login("secretary")
    assert "明天 09:30" not in client.get("/notifications").get_data(as_text=True)
    token = csrf_token(client.get("/notifications"))
    client.post(f"/notifications/{note.id}/open", data={"csrf_token": token})
    assert Notification.get_by_id(note.id).read_at is None
