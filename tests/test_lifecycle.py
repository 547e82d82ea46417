"""The body's lifecycle (active → dissolving → dissolved → transferred): rules a user can see."""
import pytest

from capture.db import db
from capture.models import Body, Document, Transfer
from capture.people.auth import can
from capture.records import lifecycle

from transfer_support import register


def _in(world, status):
    body = world["a"]
    Body.update(status=status).where(Body.id == body.id).execute()
    return Body.get_by_id(body.id)


@pytest.mark.parametrize("status, register_, categories, scope", [
    ("active", True, True, True),
    ("dissolving", True, False, False),
    ("dissolved", True, False, False),
    ("transferred", True, False, False),  # late documents still come in, for the supplement
])
def test_what_each_state_allows(app, world, status, register_, categories, scope):
    with app.test_request_context(), db.connection_context():
        body = _in(world, status)
        assert can(world["secretary"], "document.register", body) is register_
        assert can(world["liaison"], "category.edit", body) is categories
        assert can(world["liaison"], "scope.edit", body) is scope


def test_a_transferred_body_is_exported_again_only_while_items_wait(app, world):
    store = app.extensions["store"]
    with app.test_request_context(), db.connection_context():
        carried = register(store, world["a"], world["secretary"], "已移交的通知")
        body = _in(world, "transferred")
        package = Transfer.create(body=body, status="received", package_path="/x/J001-AAA-20261130.zip")
        Document.update(transferred_in=package).execute()
        assert not can(world["transfer_officer"], "transfer.run", body)
        assert lifecycle.refusal(Document.get_by_id(carried.id), "edit").startswith(
            f"{carried.reference_code} 已随移交包 J001-AAA-20261130.zip 移交")
    with app.test_request_context(), db.connection_context():
        late = register(store, world["a"], world["secretary"], "撤销后发现的文件")
        assert can(world["transfer_officer"], "transfer.run", Body.get_by_id(world["a"].id))
        assert lifecycle.refusal(late, "edit") is None
        assert lifecycle.pending_counts([world["a"].id]) == {world["a"].id: 1}


@pytest.mark.parametrize("status, shown, next_step", [
    ("active", "可调整分类和归档范围", "登记撤销"),
    ("dissolving", "分类和归档范围已锁定", "确认撤销完毕"),
    ("dissolved", "新登记的文件进入补充移交", "运行四性检测"),
    ("transferred", "档案馆已接收", "导出补充移交包"),
])
def test_the_body_page_says_which_state_and_what_happens_next(client, auth, world, status, shown,
                                                              next_step):
    _in(world, status)
    auth.login("liaison")
    html = client.get(f"/bodies/{world['a'].id}").get_data(as_text=True)
    assert "机构状态" in html and 'aria-current="step"' in html
    assert shown in html and "下一步：" in html and next_step in html
