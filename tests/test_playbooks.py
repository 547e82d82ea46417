"""Playbooks (分类指导): versions in the database, the workbook, creating a body from one, adopting, learning."""
import datetime as dt
import io
import json

from openpyxl import load_workbook

from capture.db import db
from capture.models import (AuditEvent, Body, Category, Document, Playbook, PlaybookVersion,
                            ScopeItem)
from capture.records.playbooks import content as contents, learning, seeding, versions, workbook
from capture.records.series import Period, periods
from conftest import csrf_token

BODY_FORM = {"name": "区第二疫情防控指挥部", "code": "YQ2", "fonds_code": "J009", "lead_org": "区政府",
             "tier": "key", "cadence_days": "", "established_on": "2026-05-01", "expected_end": "",
             "custodian": "区卫健委", "contact_person": "刘", "default_responsible": "区疫情防控指挥部"}


def _scope_names(body):
    return [s.name for s in ScopeItem.select().where(ScopeItem.body == body).order_by(ScopeItem.sort)]


def _create(client, auth, shown, **extra):
    """Open the create form for kind `shown` as a user would and send it with everything offered kept."""
    kind = shown
    page = client.get(f"/bodies/new?kind={kind}").get_data(as_text=True)
    version = page.split('name="playbook_version" value="')[1].split('"')[0]
    data = dict(BODY_FORM, kind=kind, playbook_version=version, csrf_token=csrf_token(client.get(f"/bodies/new?kind={kind}")))
    content = versions.content_of(PlaybookVersion.get_by_id(int(version)))
    data["keep_category"] = [c["code"] for c in content["categories"]]
    data["keep_scope"] = [s["name"] for s in content["scope"]]
    data["keep_milestone"] = [m["name"] for m in content["milestones"]]
    data.update(extra)
    return client.post("/bodies/new", data=data)


def test_todays_lists_are_version_one_of_every_kind(app, world):
    with db.connection_context():
        for kind in ("epidemic", "flood", "event", "project", "other"):
            version = versions.current(versions.get(kind))
            assert version.number == 1
        epidemic = versions.content_of(versions.current(versions.get("epidemic")))
        assert [c["code"] for c in epidemic["categories"]] == ["ZH", "FK", "YL", "BZ", "XC"]
        assert epidemic["scope"][0] == {"name": "成立文件（成立通知、批复）", "required": True,
                                        "retention": "Y", "recurrence": ""}
        # The bodies of the world fixture were seeded from version 1 and say so.
        assert seeding.started_from(world["a"]).version.number == 1
        assert _scope_names(world["a"])[0] == "成立文件（成立通知、批复）"


def test_the_migration_links_bodies_made_before_playbooks_to_version_one(app):
    """A body made before the playbooks migration ran gets version 1 of its kind."""
    from capture import schema
    from playhouse.migrations import Runner
    with db.connection_context():
        runner = Runner(db.obj, directory=str(schema.MIGRATIONS))
        runner.down("0010_playbooks")
        assert not db.table_exists("playbook")
        db.execute_sql("INSERT INTO body (name, code, fonds_code, lead_org, kind, tier, cadence_days, "
                       "established_on, custodian, contact_person, default_responsible, status, "
                       "created_at, updated_at) VALUES ('旧机构', 'OLD', 'J777', '', 'flood', 'general', "
                       "30, '2025-01-01', '', '', '', 'active', '2025-01-01', '2025-01-01')")
        schema.migrate()
        body = Body.get(Body.code == "OLD")
        link = seeding.started_from(body)
        assert (link.version.playbook.kind, link.version.number) == ("flood", 1)


def test_export_edit_import_then_the_next_body_has_the_new_row_and_earlier_ones_do_not(app, client, auth, world, tmp_path, runner):
    path = tmp_path / "epidemic.xlsx"
    result = runner.invoke(args=["playbook", "export", "epidemic", "-o", str(path)])
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    assert book.sheetnames == ["分类", "归档范围", "工作节点", "指导"]
    assert [c.value for c in book["归档范围"][1]] == ["名称", "必须归档", "保管期限", "形成规律"]
    book["归档范围"].append(["疫情情况日报", "是", "30年", "每天"])
    book.save(path)
    result = runner.invoke(args=["playbook", "import", str(path), "--reason", "各地指挥部均形成疫情日报",
                                 "--user", "admin"])
    assert result.exit_code == 0, result.output
    with db.connection_context():
        version = versions.current(versions.get("epidemic"))
        assert (version.number, version.reason) == (2, "各地指挥部均形成疫情日报")
        event = AuditEvent.get(AuditEvent.action == "playbook.version")
        assert event.username == "admin"
        assert json.loads(event.details)["added"] == {"scope": ["疫情情况日报"]}
    auth.login("admin")
    response = _create(client, auth, "epidemic")
    assert response.status_code == 302
    with db.connection_context():
        new = Body.get(Body.code == "YQ2")
        daily = ScopeItem.get(ScopeItem.body == new, ScopeItem.name == "疫情情况日报")
        assert (daily.recurrence, daily.retention, daily.required) == ("daily", "D30", True)
        assert seeding.started_from(new).version.number == 2
        assert "疫情情况日报" not in _scope_names(world["a"])
        assert seeding.started_from(world["a"]).version.number == 1
    page = client.get(f"/bodies/{new.id}").get_data(as_text=True)
    assert "按第 2 版" in page


def _workbook(**rows):
    """The epidemic playbook's workbook with rows appended to its sheets."""
    with db.connection_context():
        playbook = versions.get("epidemic")
        version = versions.current(playbook)
        data = workbook.write(playbook, version, versions.content_of(version))
    book = load_workbook(io.BytesIO(data))
    for sheet, added in rows.items():
        for row in added:
            book[sheet].append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_malformed_workbook_is_refused_row_by_row_and_nothing_changes(app, client, auth, world):
    data = _workbook(分类=[["zh!", "坏代码"], ["FK", "重复的代码"]],
                     归档范围=[["疫情情况日报", "也许", "五年", "每天"], ["", "是", "", ""]],
                     工作节点=[["疫情高峰", "是"]])
    auth.login("admin")
    page = client.get("/playbooks/epidemic")
    response = client.post("/playbooks/epidemic/import", data={
        "csrf_token": csrf_token(page), "reason": "试导入",
        "workbook": (io.BytesIO(data), "epidemic.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 422
    with db.connection_context():
        reading = workbook.read(data)
        where = {(p.sheet, p.row, p.column) for p in reading.problems}
        assert where == {("分类", 7, "代码"), ("分类", 8, "代码"), ("归档范围", 11, "必须归档"),
                         ("归档范围", 11, "保管期限"), ("归档范围", 12, "名称"), ("工作节点", 5, "名称")}
        assert PlaybookVersion.select().join(Playbook).where(Playbook.kind == "epidemic").count() == 1
    html = response.get_data(as_text=True)
    assert "未导入：发现 6 个问题" in html and "与第 3 行重复" in html and "请填“是”或“否”" in html


def test_a_workbook_missing_a_sheet_or_column_says_which(app, world):
    book = load_workbook(io.BytesIO(_workbook()))
    del book["工作节点"]
    book["归档范围"].delete_cols(3)
    out = io.BytesIO()
    book.save(out)
    with db.connection_context():
        reading = workbook.read(out.getvalue())
    assert {(p.sheet, p.row) for p in reading.problems} == {("工作节点", 0), ("归档范围", 1)}
    assert "保管期限" in next(p.reason for p in reading.problems if p.sheet == "归档范围")


def test_a_liaison_imports_only_where_an_administrator_allows(app, client, auth, world):
    data = _workbook(归档范围=[["物资调度表", "否", "10年", "每周"]])
    auth.login("liaison")
    page = client.get("/playbooks/epidemic")
    assert "导入修改后的工作簿" not in page.get_data(as_text=True)
    send = lambda: client.post("/playbooks/epidemic/import", data={  # noqa: E731
        "csrf_token": csrf_token(page), "reason": "物资调度",
        "workbook": (io.BytesIO(data), "e.xlsx")}, content_type="multipart/form-data")
    assert send().status_code == 403
    with db.connection_context():
        versions.allow_liaisons(versions.get("epidemic"), True, world["admin"])
    assert send().status_code == 302
    with db.connection_context():
        assert versions.current(versions.get("epidemic")).created_by.username == "liaison"
        assert AuditEvent.get(AuditEvent.action == "playbook.settings").username == "admin"


def test_a_workbook_of_another_kind_is_refused_on_a_playbooks_page(app, client, auth, world):
    auth.login("admin")
    page = client.get("/playbooks/flood")
    response = client.post("/playbooks/flood/import", data={
        "csrf_token": csrf_token(page), "reason": "错放", "workbook": (io.BytesIO(_workbook()), "e.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "不能导入到" in response.get_data(as_text=True)


def test_creating_a_body_asks_for_its_kind_then_offers_its_playbook(app, client, auth, world):
    auth.login("liaison")
    choose = client.get("/bodies/new").get_data(as_text=True)
    assert "/bodies/new?kind=flood" in choose
    form = client.get("/bodies/new?kind=epidemic").get_data(as_text=True)
    assert "疫情高峰" in form and 'name="keep_scope" value="工作总结" checked' in form
    assert 'selected value="key"' in form and 'value="7"' in form  # the playbook's guidance defaults
    response = _create(client, auth, "epidemic", keep_category=["ZH", "FK"],
                       keep_milestone=["疫情高峰"],
                       keep_scope=[s for s in _default_scope() if s != "重要活动照片、录像"])
    assert response.status_code == 302
    with db.connection_context():
        body = Body.get(Body.code == "YQ2")
        assert [c.code for c in Category.select().where(Category.body == body).order_by(Category.sort)] == ["ZH", "FK"]
        assert "重要活动照片、录像" not in _scope_names(body)
        assert seeding.milestones_of(seeding.started_from(body)) == [{"name": "疫情高峰", "calls_for_checkin": True}]
        details = json.loads(AuditEvent.get(AuditEvent.action == "body.create", AuditEvent.body == body).details)
        assert details["left_out"]["scope"] == ["重要活动照片、录像"]


def _default_scope():
    with db.connection_context():
        return [s["name"] for s in versions.content_of(versions.current(versions.get("epidemic")))["scope"]]


def test_changing_the_kind_on_the_form_shows_that_kinds_playbook_before_saving(app, client, auth, world):
    auth.login("admin")
    response = _create(client, auth, "epidemic", kind="flood")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "汛期结束" in html and "防汛防台" in html
    with db.connection_context():
        assert not Body.select().where(Body.code == "YQ2").exists()


def _add_scope_item(kind, item, reason="新增"):
    with db.connection_context():
        playbook = versions.get(kind)
        content = versions.content_of(versions.current(playbook))
        content["scope"].append(item)
        content["categories"].append({"code": "WZ", "name": "物资调度"})
        return versions.new_version(playbook, content, None, reason)


def test_a_body_sees_what_its_playbook_gained_and_its_liaison_adopts_items_one_by_one(app, client, auth, world):
    _add_scope_item("epidemic", {"name": "物资调度表", "required": False, "retention": "D10", "recurrence": "weekly"})
    a = world["a"]
    auth.login("liaison")
    assert "第 2 版新增 2 项" in client.get(f"/bodies/{a.id}").get_data(as_text=True)
    page = client.get(f"/bodies/{a.id}/playbook")
    html = page.get_data(as_text=True)
    assert "物资调度表" in html and "WZ" in html
    response = client.post(f"/bodies/{a.id}/playbook/adopt", data={
        "csrf_token": csrf_token(page), "part": "scope", "key": "物资调度表"})
    assert response.status_code == 302
    with db.connection_context():
        item = ScopeItem.get(ScopeItem.body == a, ScopeItem.name == "物资调度表")
        assert (item.recurrence, item.retention) == ("weekly", "D10")
        assert not Category.select().where(Category.body == a, Category.code == "WZ").exists()
        assert AuditEvent.get(AuditEvent.action == "playbook.adopt").body_id == a.id
    assert "第 2 版新增 1 项" in client.get(f"/bodies/{a.id}").get_data(as_text=True)
    assert "归档范围：物资调度表" in client.get(f"/bodies/{a.id}/audit").get_data(as_text=True)
    again = client.post(f"/bodies/{a.id}/playbook/adopt", data={
        "csrf_token": csrf_token(page), "part": "scope", "key": "物资调度表"})
    assert again.status_code == 409


def test_the_secretary_sees_the_gain_but_cannot_adopt(app, client, auth, world):
    _add_scope_item("epidemic", {"name": "物资调度表", "required": False, "retention": "", "recurrence": ""})
    auth.login("secretary")
    page = client.get(f"/bodies/{world['a'].id}/playbook")
    assert "物资调度表" in page.get_data(as_text=True) and ">采用<" not in page.get_data(as_text=True)
    response = client.post(f"/bodies/{world['a'].id}/playbook/adopt", data={
        "csrf_token": csrf_token(page), "part": "scope", "key": "物资调度表"})
    assert response.status_code == 403


def _transferred_body_with_records(world):
    """Body A transferred: a series it added and filed, a planned item never filed, minutes kept 30 years."""
    from capture.records import registry
    a = world["a"]
    with db.connection_context():
        daily = ScopeItem.create(body=a, name="疫情情况日报", required=True, sort=50, recurrence="daily")
        minutes = ScopeItem.get(ScopeItem.body == a, ScopeItem.name == "会议纪要、记录")
        for item, title in ((daily, "疫情情况日报（1月2日）"), (minutes, "第一次会议纪要"), (minutes, "第二次会议纪要")):
            registry.register_document(a, world["secretary"], {
                "category": "ZH", "retention": "D30", "carrier": "paper", "doc_number": "",
                "responsible": "区政府", "title": title, "date": "2026-01-02", "pages": "1", "security": "",
                "scope_item": str(item.id), "remarks": ""}, [], store=None)
        a.status, a.dissolved_on = "transferred", dt.date(2026, 3, 1)
        a.save()
    return a


def test_a_transferred_body_shows_its_scope_beside_its_playbook_and_proposes_a_new_version(app, client, auth, world):
    a = _transferred_body_with_records(world)
    with db.connection_context():
        found = {p.id for p in learning.compare(a).proposals}
    assert {"scope:add:疫情情况日报", "scope:retention:会议纪要、记录", "scope:optional:工作总结",
            "scope:remove:重要活动照片、录像"} <= found
    auth.login("liaison")
    page = client.get(f"/bodies/{a.id}/playbook")
    html = page.get_data(as_text=True)
    assert "本机构的归档范围与分类指导对照" in html and "疫情情况日报" in html
    no_reason = client.post(f"/bodies/{a.id}/playbook/propose", data={
        "csrf_token": csrf_token(page), "proposal": ["scope:add:疫情情况日报"], "reason": ""})
    assert no_reason.status_code == 422 and "请写明这次修改的原因" in no_reason.get_data(as_text=True)
    response = client.post(f"/bodies/{a.id}/playbook/propose", data={
        "csrf_token": csrf_token(page), "reason": "AAA 移交后总结：日报逐日形成",
        "proposal": ["scope:add:疫情情况日报", "scope:retention:会议纪要、记录"]})
    assert response.status_code == 302
    with db.connection_context():
        version = versions.current(versions.get("epidemic"))
        content = versions.content_of(version)
        assert version.number == 2 and version.created_by.username == "liaison"
        daily = next(s for s in content["scope"] if s["name"] == "疫情情况日报")
        assert (daily["recurrence"], daily["retention"]) == ("daily", "D30")
        minutes = next(s for s in content["scope"] if s["name"] == "会议纪要、记录")
        assert minutes["retention"] == "D30"
        assert any(s["name"] == "工作总结" and s["required"] for s in content["scope"])  # not chosen
        event = AuditEvent.get(AuditEvent.action == "playbook.version")
        details = json.loads(event.details)
        assert details["reason"] == "AAA 移交后总结：日报逐日形成" and details["from_body"] == "AAA"
        assert event.body_id == a.id
    trail = client.get(f"/bodies/{a.id}/audit").get_data(as_text=True)
    assert "AAA 移交后总结：日报逐日形成" in trail


def test_an_active_body_has_nothing_to_propose_yet(app, client, auth, world):
    auth.login("liaison")
    page = client.get(f"/bodies/{world['a'].id}/playbook")
    assert "对照" not in page.get_data(as_text=True)
    response = client.post(f"/bodies/{world['a'].id}/playbook/propose", data={
        "csrf_token": csrf_token(page), "reason": "试", "proposal": ["x"]})
    assert response.status_code == 409


def test_an_administrator_adds_a_kind_and_bodies_of_it_follow_its_playbook(app, client, auth, world):
    auth.login("admin")
    page = client.get("/playbooks")
    bad = client.post("/playbooks/new", data={"csrf_token": csrf_token(page), "kind": "Expo!", "name": ""})
    assert bad.status_code == 422 and "类型代码为" in bad.get_data(as_text=True)
    response = client.post("/playbooks/new", data={
        "csrf_token": csrf_token(page), "kind": "expo", "name": "重大展会", "name_en": "Expo", "copy_from": "event"})
    assert response.status_code == 302
    assert "/bodies/new?kind=expo" in client.get("/bodies/new").get_data(as_text=True)
    assert _create(client, auth, "expo").status_code == 302
    with db.connection_context():
        body = Body.get(Body.code == "YQ2")
        assert body.kind == "expo"
        assert [c.code for c in Category.select().where(Category.body == body).order_by(Category.sort)] == ["ZH", "AB", "JD", "XC"]
    assert "重大展会" in client.get(f"/bodies/{body.id}").get_data(as_text=True)


def test_a_liaison_cannot_add_kinds_or_change_who_may_edit(app, client, auth, world):
    auth.login("liaison")
    page = client.get("/playbooks")
    assert client.post("/playbooks/new", data={"csrf_token": csrf_token(page), "kind": "expo",
                                               "name": "展会"}).status_code == 403
    assert client.post("/playbooks/epidemic/settings", data={"csrf_token": csrf_token(page),
                                                            "liaisons_may_edit": "y"}).status_code == 403


def test_the_workbook_round_trips_every_part(app, world):
    with db.connection_context():
        playbook = versions.get("flood")
        content = versions.content_of(versions.current(playbook))
        content["scope"].append({"name": "汛情月报", "required": False, "retention": "D10", "recurrence": "monthly"})
        content["milestones"].append({"name": "台风登陆", "calls_for_checkin": False})
        content["guidance"] = {"tier": "key", "cadence_days": 14}
        version = versions.new_version(playbook, content, None, "测试")
        reading = workbook.read(workbook.write(playbook, version, content))
    assert reading.ok, reading.problems
    assert (reading.kind, reading.name, reading.content) == ("flood", "防汛防台", content)


def test_the_monthly_series_runs_calendar_months():
    assert periods("monthly", dt.date(2026, 1, 20), dt.date(2026, 3, 5)) == [
        Period(dt.date(2026, 1, 20), dt.date(2026, 1, 31)), Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        Period(dt.date(2026, 3, 1), dt.date(2026, 3, 5))]


def test_gained_compares_by_key():
    old = {**contents.empty(), "categories": [{"code": "ZH", "name": "综合"}]}
    new = {**contents.empty(), "categories": [{"code": "ZH", "name": "综合协调"}, {"code": "BZ", "name": "保障"}]}
    assert contents.gained(old, new)["categories"] == [{"code": "BZ", "name": "保障"}]


def test_statistics_show_completeness_at_the_end_and_commitments_fulfilled_by_kind(app, client, auth, world):
    from capture.guidance import statistics
    from capture.models import Commitment
    a = _transferred_body_with_records(world)  # epidemic: 2 of 9 required items filed
    with db.connection_context():
        for status in ("fulfilled", "open"):
            Commitment.create(body=a, what="工作总结", promised_by="张", due=dt.date(2026, 12, 1),
                              status=status, created_by=world["admin"])
        figures = statistics.compute(world["admin"], app.config["TIMEZONE"])
    epidemic, flood = figures.by_kind["epidemic"], figures.by_kind["flood"]
    assert (epidemic.bodies, epidemic.ended, epidemic.completeness_rate) == (1, 1, 22)
    assert (epidemic.accepted, epidemic.fulfilled, epidemic.fulfilled_rate) == (2, 1, 50)
    assert (flood.bodies, flood.ended, flood.completeness_rate) == (1, 0, None)
    auth.login("admin")
    html = client.get("/statistics").get_data(as_text=True)
    assert "撤销时归档完整率" in html and "疫情防控" in html
    book = load_workbook(io.BytesIO(client.get("/statistics.xlsx").data))
    assert ["疫情防控", 1, 1, 22, 2, 1, 50] in [[c.value for c in row] for row in book["按机构类型"].iter_rows()]


def test_the_demo_bodies_follow_playbooks_with_series_and_the_flood_body_teaches(app, client, runner, tmp_path):
    from capture.models import User
    from capture.ops import demo
    from capture.transfer import packaging
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
        epidemic, flood = Body.get(Body.code == "YQFK"), Body.get(Body.code == "FXQX")
        # The flood body is checked, exported and received: transferred, as the archive sees it.
        officer, store = User.get(User.username == "transfer"), app.extensions["store"]
        _transfer, report = packaging.run_check(flood, officer, store)
        assert report.summary["fail"] == 0
        transfer = packaging.claim(flood, officer)
        packaging.export(transfer, store, tmp_path, zip_package=False)
        packaging.mark_received(packaging.Transfer.get_by_id(transfer.id), officer)
        flood = Body.get_by_id(flood.id)
        assert flood.status == "transferred"
        assert seeding.started_from(epidemic).version.number == 2
        daily = ScopeItem.get(ScopeItem.body == epidemic, ScopeItem.name == "疫情情况日报")
        assert daily.recurrence == "daily" and daily.starts_on is not None
        monthly = ScopeItem.get(ScopeItem.body == flood, ScopeItem.name == "汛期工作月报")
        assert (monthly.recurrence, Document.select().where(Document.scope_item == monthly).count()) == ("monthly", 5)
        found = {p.id for p in learning.compare(flood).proposals}
        assert {"scope:add:群众转移安置统计表", "scope:remove:抢险救援记录",
                "scope:retention:会议纪要、记录"} <= found
    client.post("/login", data={"username": "liaison", "password": credentials["liaison"],
                                "csrf_token": csrf_token(client.get("/login"))})
    page = client.get(f"/bodies/{flood.id}/playbook")
    assert "群众转移安置统计表" in page.get_data(as_text=True)
    response = client.post(f"/bodies/{flood.id}/playbook/propose", data={
        "csrf_token": csrf_token(page), "reason": "FXQX 撤销后：转移安置统计表应单独归档",
        "proposal": ["scope:add:群众转移安置统计表"]})
    assert response.status_code == 302
    with db.connection_context():
        version = versions.current(versions.get("flood"))
        assert version.number == 3 and "群众转移安置统计表" in [s["name"] for s in versions.content_of(version)["scope"]]
        event = AuditEvent.select().where(AuditEvent.action == "playbook.version").order_by(AuditEvent.id.desc()).get()
        assert json.loads(event.details)["reason"] == "FXQX 撤销后：转移安置统计表应单独归档"


def test_an_archivist_edits_a_playbook_in_the_app_row_by_row(app, client, auth, world):
    auth.login("admin")
    page = client.get("/playbooks/epidemic/edit")
    html = page.get_data(as_text=True)
    assert 'name="scope_name" value="工作总结"' in html and html.count('name="scope_name" value=""') == 3
    with db.connection_context():
        content = versions.content_of(versions.current(versions.get("epidemic")))
    form = {"csrf_token": csrf_token(page), "reason": "",
            "category_code": [c["code"] for c in content["categories"]] + ["wz!"],
            "category_name": [c["name"] for c in content["categories"]] + ["物资"],
            "scope_name": [s["name"] for s in content["scope"]] + ["物资调度表"],
            "scope_required": ["是"] * len(content["scope"]) + ["否"],
            "scope_retention": ["永久"] * len(content["scope"]) + ["10年"],
            "scope_recurrence": ["不定期"] * len(content["scope"]) + ["每周"],
            "milestone_name": [m["name"] for m in content["milestones"]] + [""],
            "milestone_calls": ["是"] * len(content["milestones"]) + ["是"],
            "name": "疫情防控", "name_en": "Epidemic response", "tier": "重点", "cadence_days": "0"}
    refused = client.post("/playbooks/epidemic/edit", data=form)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "分类代码为 1–6 位大写字母或数字" in text and "应为 1–365 的整数" in text
    assert 'value="物资调度表"' in text  # nothing typed is lost
    with db.connection_context():
        assert versions.current(versions.get("epidemic")).number == 1
    form.update({"category_code": form["category_code"][:-1] + ["WZ"], "cadence_days": "14",
                 "reason": "物资调度表按周形成"})
    form["scope_name"][0] = ""  # clearing a name removes the item
    assert client.post("/playbooks/epidemic/edit", data=form).status_code == 302
    with db.connection_context():
        version = versions.current(versions.get("epidemic"))
        content = versions.content_of(version)
    assert (version.number, version.reason) == (2, "物资调度表按周形成")
    assert content["scope"][-1] == {"name": "物资调度表", "required": False, "retention": "D10", "recurrence": "weekly"}
    assert "成立文件（成立通知、批复）" not in [s["name"] for s in content["scope"]]
    assert content["guidance"] == {"tier": "key", "cadence_days": 14}
    assert content["categories"][-1] == {"code": "WZ", "name": "物资"}


def test_the_milestones_a_body_took_are_offered_when_its_phases_are_recorded(app, client, auth, world):
    auth.login("liaison")
    html = client.get(f"/bodies/{world['a'].id}/checkins").get_data(as_text=True)
    assert "分类指导列出的工作节点：响应级别调整（需要指导）" in html
    assert '<datalist id="planned-milestones"><option value="响应级别调整">' in html


def test_filing_under_a_scope_item_starts_from_its_usual_retention(app, client, auth, world):
    with db.connection_context():
        item = ScopeItem.get(ScopeItem.body == world["a"], ScopeItem.name == "情况报告、工作简报")
    assert item.retention == "D30"
    auth.login("secretary")
    html = client.get(f"/bodies/{world['a'].id}/documents/new?scope_item={item.id}").get_data(as_text=True)
    assert 'selected value="D30"' in html


def test_on_the_web_an_exported_workbook_with_a_new_row_becomes_the_next_bodys_scope(app, client, auth, world):
    auth.login("admin")
    exported = client.get("/playbooks/epidemic/workbook.xlsx")
    assert exported.status_code == 200 and exported.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(exported.data))
    book["归档范围"].append(["物资调度表", "否", "10年", "每周"])
    edited = io.BytesIO()
    book.save(edited)
    page = client.get("/playbooks/epidemic")
    response = client.post("/playbooks/epidemic/import", data={
        "csrf_token": csrf_token(page), "reason": "各地指挥部均形成物资调度表",
        "workbook": (io.BytesIO(edited.getvalue()), "epidemic.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert "各地指挥部均形成物资调度表" in client.get("/playbooks/epidemic").get_data(as_text=True)
    assert _create(client, auth, "epidemic").status_code == 302
    with db.connection_context():
        item = ScopeItem.get(ScopeItem.body == Body.get(Body.code == "YQ2"), ScopeItem.name == "物资调度表")
        assert (item.required, item.retention, item.recurrence) == (False, "D10", "weekly")
        assert "物资调度表" not in _scope_names(world["a"])


def test_another_archives_workbook_of_a_new_kind_adds_the_kind(app, runner, world, tmp_path):
    book = load_workbook(io.BytesIO(_workbook()))
    for row in book["指导"].iter_rows():
        if row[0].value == "机构类型代码":
            row[1].value = "expo"
        elif row[0].value in ("类型名称", "英文名称"):
            row[1].value = "重大展会" if row[0].value == "类型名称" else "Expo"
    path = tmp_path / "expo.xlsx"
    book.save(path)
    result = runner.invoke(args=["playbook", "import", str(path), "--reason", "兄弟馆的展会分类指导"])
    assert result.exit_code == 0, result.output
    with db.connection_context():
        playbook = versions.get("expo")
        version = versions.current(playbook)
        assert (playbook.name, playbook.name_en, version.number, version.reason) == (
            "重大展会", "Expo", 1, "兄弟馆的展会分类指导")
        assert versions.content_of(version)["categories"][0] == {"code": "ZH", "name": "综合协调"}


def test_the_command_line_refuses_a_malformed_workbook_row_by_row(app, runner, world, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(_workbook(归档范围=[["疫情情况日报", "也许", "", ""]]))
    result = runner.invoke(args=["playbook", "import", str(path), "--reason", "试"])
    assert result.exit_code == 1
    assert "归档范围\trow 11\t必须归档\t也许" in result.output
    with db.connection_context():
        assert versions.current(versions.get("epidemic")).number == 1


def test_what_a_body_produced_is_ticked_and_loosening_the_scope_is_left_to_a_choice(app, client, auth, world):
    a = _transferred_body_with_records(world)
    auth.login("liaison")
    html = client.get(f"/bodies/{a.id}/playbook").get_data(as_text=True)
    assert 'value="scope:add:疫情情况日报" checked' in html
    assert 'value="scope:optional:工作总结">' in html


def test_each_version_says_what_it_changed(app, client, auth, world):
    _add_scope_item("epidemic", {"name": "物资调度表", "required": False, "retention": "", "recurrence": ""},
                    reason="物资调度")
    auth.login("transfer_officer")
    html = client.get("/playbooks/epidemic").get_data(as_text=True)
    assert "新增条目：分类 WZ；归档范围 物资调度表。" in html
