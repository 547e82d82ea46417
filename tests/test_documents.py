"""The documents pages: registering through the form, files, permissions, list, scope."""
import io
import re
from urllib.parse import quote

from capture.db import db, recorded_statements
from capture.models import AuditEvent, Category, Document, File, ScopeItem
from capture.ops import samples


def form(**overrides):
    values = {"category": "ZH", "retention": "Y", "carrier": "electronic", "doc_number": "沪疫指〔2026〕3号",
              "responsible": "区疫情防控工作指挥部", "title": "关于加强重点场所疫情防控工作的通知",
              "date": "2026-03-02", "pages": "1", "security": "", "scope_item": "", "remarks": ""}
    values.update(overrides)
    return values


def register(auth, body, files=(), **overrides):
    data = form(**overrides)
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return auth.post(f"/bodies/{body.id}/documents/new", data, content_type="multipart/form-data")


def test_chinese_named_pdf_comes_back_byte_identical_with_its_name(client, auth, world):
    auth.login("secretary")
    pdf = samples.pdf("Notice", ["Key places"])
    response = register(auth, world["a"], [("疫情防控通知.pdf", pdf)])
    assert response.status_code == 302
    document = Document.get()
    stored = File.get(File.document == document)
    assert stored.original_name == "疫情防控通知.pdf"

    download = client.get(f"/bodies/{world['a'].id}/documents/{document.id}/files/{stored.id}?download=1")
    assert download.status_code == 200
    assert download.data == pdf
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''" + quote("疫情防控通知.pdf") in disposition

    inline = client.get(f"/bodies/{world['a'].id}/documents/{document.id}/files/{stored.id}")
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert inline.mimetype == "application/pdf"


def test_registered_document_shows_its_reference_code_and_format(client, auth, world):
    auth.login("secretary")
    response = register(auth, world["a"], [("现场照片.jpg", samples.jpeg())], carrier="photo", pages="0")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已登记，档号 J001-ZP·2026-Y-ZH-0001" in page
    assert "JPEG File Interchange Format" in page and "fmt/43" in page and "长期保存格式" in page


def test_a_pdf_that_is_really_a_program_is_refused_next_to_the_file_field(client, auth, world):
    auth.login("secretary")
    response = register(auth, world["a"], [("通知.pdf", b"MZ\x90\x00" + bytes(300))])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "通知.pdf" in html and "可执行程序" in html
    assert "关于加强重点场所疫情防控工作的通知" in html  # what was typed is kept
    assert not Document.select().exists()


def test_form_errors_are_shown_by_the_fields_and_keep_the_input(client, auth, world):
    auth.login("secretary")
    response = register(auth, world["a"], title="", pages="三", doc_number="沪疫指〔2026〕9号")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写题名" in html and "页数应为" in html
    assert "沪疫指〔2026〕9号" in html
    assert not Document.select().exists()


def test_register_form_offers_sensible_defaults(client, auth, world):
    body = world["a"]
    body.default_responsible = "区疫情防控工作指挥部"
    body.save()
    auth.login("secretary")
    register(auth, body, category="FK")
    html = client.get(f"/bodies/{body.id}/documents/new").get_data(as_text=True)
    assert 'value="区疫情防控工作指挥部"' in html
    assert re.search(r'<option selected value="FK">|<option value="FK" selected', html)
    assert 'capture="environment"' in html and 'multiple' in html


def test_same_content_in_the_body_is_flagged_but_kept(client, auth, world):
    auth.login("secretary")
    pdf = samples.pdf("Report")
    register(auth, world["a"], [("简报第1期.pdf", pdf)])
    response = register(auth, world["a"], [("简报第1期（转发）.pdf", pdf)], title="转发简报",
                        duplicate_ok="1")  # told first (tests/test_duplicates.py), registered anyway
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    first = Document.get(Document.reference_code == "J001-WS·2026-Y-ZH-0001")
    assert "与以下档号内容相同" in html
    assert f'<a href="/bodies/{world["a"].id}/documents/{first.id}">J001-WS·2026-Y-ZH-0001</a>' in html
    assert Document.select().count() == 2


def test_upload_over_the_limit_gets_a_friendly_page(app, client, auth, world):
    auth.login("secretary")
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    response = register(auth, world["a"], [("大文件.pdf", samples.pdf("x") + bytes(30_000))])
    assert response.status_code == 413
    assert "文件过大" in response.get_data(as_text=True)


def test_secretary_cannot_see_other_bodys_documents_or_files(client, auth, world):
    auth.login("liaison")
    register(auth, world["a"], [("通知.pdf", samples.pdf("A"))])
    document, stored = Document.get(), File.get()
    auth.logout()
    other = world["b"]
    with db.atomic():
        from capture.models import Membership
        Membership.create(user=world["secretary"], body=other, role="viewer")
        Membership.delete().where(Membership.user == world["secretary"], Membership.body == world["a"]).execute()
    auth.login("secretary")
    a = world["a"].id
    for url in (f"/bodies/{a}/documents", f"/bodies/{a}/documents/new", f"/bodies/{a}/documents/{document.id}",
                f"/bodies/{a}/documents/{document.id}/files/{stored.id}", f"/bodies/{a}/scope"):
        assert client.get(url).status_code == 404, url
    # The document's id under a body she does see is not found either.
    for url in (f"/bodies/{other.id}/documents/{document.id}",
                f"/bodies/{other.id}/documents/{document.id}/files/{stored.id}"):
        assert client.get(url).status_code == 404, url


def test_viewer_sees_documents_but_cannot_register(client, auth, world):
    auth.login("viewer")
    a = world["a"].id
    assert client.get(f"/bodies/{a}/documents").status_code == 200
    assert f"/bodies/{a}/documents/new" not in client.get(f"/bodies/{a}/documents").get_data(as_text=True)
    assert client.get(f"/bodies/{a}/documents/new").status_code == 403


def test_posting_without_the_csrf_token_is_refused(client, auth, world):
    auth.login("secretary")
    response = client.post(f"/bodies/{world['a'].id}/documents/new", data=form())
    assert response.status_code == 400
    assert not Document.select().exists()


def test_withdraw_through_the_page_keeps_the_record_and_files(client, auth, world):
    auth.login("secretary")
    response = register(auth, world["a"], [("纪要.pdf", samples.pdf("Minutes"))])
    detail = response.headers["Location"]
    document = Document.get()
    auth.post(f"{detail}/withdraw", {"reason": "重复登记，见档号 J001-WS·2026-Y-ZH-0002"}, page=detail)
    html = client.get(detail).get_data(as_text=True)
    assert "已撤回" in html and "重复登记" in html
    assert Document.get_by_id(document.id).status == "withdrawn"
    assert client.get(f"{detail}/files/{File.get().id}?download=1").status_code == 200
    listing = client.get(f"/bodies/{world['a'].id}/documents?status=withdrawn").get_data(as_text=True)
    assert "关于加强重点场所疫情防控工作的通知" in listing


def test_edits_appear_in_the_audit_trail(client, auth, world):
    auth.login("secretary")
    detail = register(auth, world["a"]).headers["Location"]
    auth.post(f"{detail}/edit", form(title="关于加强重点场所疫情防控工作的补充通知"))
    auth.logout()
    auth.login("liaison")
    html = client.get(f"/bodies/{world['a'].id}/audit").get_data(as_text=True)
    assert "文件信息修改" in html
    assert "题名：关于加强重点场所疫情防控工作的通知 → 关于加强重点场所疫情防控工作的补充通知" in html


def test_adding_a_file_later_and_a_new_version(client, auth, world):
    auth.login("secretary")
    detail = register(auth, world["a"], carrier="paper").headers["Location"]
    auth.post(f"{detail}/files", {"files": [(io.BytesIO(samples.pdf("Scan")), "扫描件.pdf")]},
              page=detail, content_type="multipart/form-data")
    first = File.get()
    auth.post(f"{detail}/files", {"replaces": str(first.id),
                                  "files": [(io.BytesIO(samples.pdf("Scan 2")), "扫描件（清晰）.pdf")]},
              page=detail, content_type="multipart/form-data")
    html = client.get(detail).get_data(as_text=True)
    assert "扫描件.pdf" in html and "扫描件（清晰）.pdf" in html and "已被新版本替换" in html
    assert [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith("document.file"))] == [
        "document.file.add", "document.file.replace"]


def make_documents(auth, body, count):
    for n in range(count):
        register(auth, body, title=f"工作简报第{n + 1}期", category="XC" if n % 2 else "ZH",
                 # Content unique in the body: a duplicate would be asked about first.
                 files=[(f"简报{n}.pdf", samples.pdf(f"Report {n} of {Document.select().count()}"))]
                 if n % 3 else ())


def test_list_searches_filters_and_pages(app, client, auth, world):
    auth.login("secretary")
    body = world["a"]
    app.config["PAGE_SIZE"] = 4
    make_documents(auth, body, 6)
    register(auth, body, title="指挥部成员名单", responsible="区卫健委", doc_number="沪卫〔2026〕8号")
    url = f"/bodies/{body.id}/documents"
    assert "指挥部成员名单" in client.get(url + "?q=区卫健委").get_data(as_text=True)
    assert "指挥部成员名单" in client.get(url + "?q=沪卫〔2026〕8号").get_data(as_text=True)
    found = client.get(url + "?q=成员名单").get_data(as_text=True)
    assert "工作简报" not in found
    only_xc = client.get(url + "?category=XC").get_data(as_text=True)
    assert "工作简报第2期" in only_xc and "工作简报第1期" not in only_xc
    no_file = client.get(url + "?no_file=1&sort=title").get_data(as_text=True)
    assert "工作简报第1期" in no_file and "工作简报第2期" not in no_file
    first = client.get(url + "?sort=code").get_data(as_text=True)
    assert "下一页" in first and "J001-WS·2026-Y-ZH-0001" in first
    second = client.get(url + "?sort=code&page=2").get_data(as_text=True)
    assert "J001-WS·2026-Y-ZH-0001" not in second and "上一页" in second


def test_search_takes_percent_and_underscore_literally_and_ignores_case(client, auth, world):
    auth.login("secretary")
    body = world["a"]
    for title in ("完成率100%通报", "完成率1000通报", "Plan_A 方案", "PlanXA 方案"):
        register(auth, body, title=title)
    url = f"/bodies/{body.id}/documents"
    percent = client.get(url + "?q=100%25").get_data(as_text=True)
    assert "完成率100%通报" in percent and "完成率1000通报" not in percent
    underscore = client.get(url + "?q=plan_a").get_data(as_text=True)
    assert "Plan_A 方案" in underscore and "PlanXA 方案" not in underscore


def test_list_filters_by_year_retention_carrier_and_status_together(client, auth, world):
    auth.login("secretary")
    body = world["a"]
    register(auth, body, title="今年的永久件", date="2026-02-01", retention="Y")
    register(auth, body, title="今年的十年件", date="2026-02-02", retention="D10")
    register(auth, body, title="去年的永久件", date="2025-12-01", retention="Y")
    url = f"/bodies/{body.id}/documents"
    html = client.get(url + "?year=2026&retention=Y&carrier=electronic&status=registered").get_data(as_text=True)
    assert "今年的永久件" in html
    assert "今年的十年件" not in html and "去年的永久件" not in html
    assert "20260201" in html  # the date as the catalogue writes it
    assert 'value="2025"' in html and 'value="2026"' in html  # the years to choose from


def test_list_runs_the_same_number_of_queries_for_few_or_many_documents(client, auth, world):
    auth.login("secretary")
    url = f"/bodies/{world['a'].id}/documents"
    make_documents(auth, world["a"], 2)
    client.get(url)
    with recorded_statements() as few:
        client.get(url)
    make_documents(auth, world["a"], 10)
    with recorded_statements() as many:
        html = client.get(url).get_data(as_text=True)
    assert html.count("工作简报第") == 12
    assert len(many) == len(few)


def test_linking_documents_to_the_scope_raises_completeness(client, auth, world):
    auth.login("secretary")
    body = world["a"]
    required = ScopeItem.select().where(ScopeItem.body == body, ScopeItem.required).count()
    before = client.get(f"/bodies/{body.id}/scope").get_data(as_text=True)
    assert f"0 / {required}" in before
    founding = ScopeItem.get(ScopeItem.body == body, ScopeItem.name.startswith("成立文件"))
    register(auth, body, scope_item=str(founding.id))
    after = client.get(f"/bodies/{body.id}/scope").get_data(as_text=True)
    assert f"1 / {required}" in after
    overview = client.get(f"/bodies/{body.id}").get_data(as_text=True)
    assert f"1 / {required}" in overview and "<meter" in overview


def test_liaison_edits_scope_and_categories_secretary_cannot(client, auth, world):
    body = world["a"]
    auth.login("secretary")
    page = f"/bodies/{body.id}/scope"
    assert auth.post(page, {"what": "category", "category-code": "JC", "category-name": "监测"}).status_code == 403
    auth.logout()
    auth.login("liaison")
    assert auth.post(page, {"what": "category", "category-code": "JC", "category-name": "疫情监测"}).status_code == 302
    assert Category.get(Category.body == body, Category.code == "JC").name == "疫情监测"
    clash = auth.post(page, {"what": "category", "category-code": "JC", "category-name": "重复"})
    assert clash.status_code == 422 and "已有分类代码 JC" in clash.get_data(as_text=True)
    auth.post(page, {"what": "scope", "scope-name": "核酸检测点设置文件", "scope-required": "y"})
    item = ScopeItem.get(ScopeItem.name == "核酸检测点设置文件")
    assert item.required
    auth.post(page, {"what": "scope", "id": str(item.id), "scope-name": "核酸检测点设置文件"})
    assert not ScopeItem.get_by_id(item.id).required
    assert AuditEvent.select().where(AuditEvent.action.in_(["category.add", "scope.add", "scope.edit"])).count() == 3


def test_category_code_inside_a_reference_code_cannot_change(client, auth, world):
    auth.login("liaison")
    body = world["a"]
    register(auth, body, category="ZH")
    category = Category.get(Category.body == body, Category.code == "ZH")
    response = auth.post(f"/bodies/{body.id}/scope", {"what": "category", "id": str(category.id),
                                                       "category-code": "ZC", "category-name": "综合"})
    assert response.status_code == 422 and "代码不能再改" in response.get_data(as_text=True)


def test_secretary_home_has_register_shortcuts(client, auth, world):
    auth.login("secretary")
    html = client.get("/").get_data(as_text=True)
    assert f"/bodies/{world['a'].id}/documents/new" in html


def test_demo_registers_a_living_set_of_documents(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    from capture.models import Body
    from capture.records import coverage
    store = app.extensions["store"]
    for code in ("YQFK", "FXQX"):
        body = Body.get(Body.code == code)
        documents = list(Document.select().where(Document.body == body))
        assert len(documents) >= 12
        kinds = {f.media_type for f in File.select().join(Document).where(Document.body == body)}
        assert {"application/pdf", "image/jpeg", "application/mp4"} <= kinds
        assert all(store.verify(f.sha256) for f in File.select().join(Document).where(Document.body == body))
    # The epidemic HQ is still at work; the flood task force is dissolved with its records complete.
    import datetime as dt
    from capture import clock
    today = clock.today()
    epidemic = coverage.coverage(Body.get(Body.code == "YQFK"), today)
    assert 0 < epidemic.percent < 100
    assert coverage.coverage(Body.get(Body.code == "FXQX"), today).percent == 100
    # Planned ahead: the daily report lacks two days, the weekly briefing is complete.
    series = {line.item.name: line.series for line in epidemic.lines if line.series}
    assert [p.start for p in series["疫情情况日报"].missing] == [
        today - dt.timedelta(days=7), today - dt.timedelta(days=3)]
    assert series["疫情防控工作周报"].complete and series["疫情防控工作周报"].expected == 5
    assert Document.get(Document.reference_code == "J001-WS·2026-Y-ZH-0001").title.startswith("关于成立")


def test_the_documents_tab_is_highlighted_on_the_register_and_detail_pages(client, auth, world):
    auth.login("secretary")
    register(auth, world["a"])
    body_id, document_id = world["a"].id, Document.get().id
    for url in (f"/bodies/{body_id}/documents/new", f"/bodies/{body_id}/documents/{document_id}",
                f"/bodies/{body_id}/documents"):
        page = client.get(url).get_data(as_text=True)
        active = re.findall(r'<a href="([^"]+)" class="active" aria-current="page">', page)
        assert active == [f"/bodies/{body_id}/documents"], url
