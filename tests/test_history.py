"""A document's history on its page, for everyone who may see it, and the body's audit trail in
people's words (labels, 档号, names) with filters; the raw record and hash behind a disclosure."""
import io
import re

from test_documents import form, register

from capture import audit
from capture.models import Document, File, Transfer, User
from capture.ops import samples


def text_of(html):
    """The page's words without tags (what a person reads)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def history_of(client, url):
    html = client.get(url).get_data(as_text=True)
    return text_of(html[html.index('id="history"'):])


def a_document_with_a_life(client, auth, world):
    """Registered, edited, given a file, then a new version, then withdrawn — by the secretary."""
    auth.login("secretary")
    detail = register(auth, world["a"], carrier="paper").headers["Location"]
    auth.post(f"{detail}/edit", form(carrier="paper", title="关于加强重点场所疫情防控工作的补充通知",
                                     security="内部"))
    auth.post(f"{detail}/files", {"files": [(io.BytesIO(b"%PDF-1.4 " + b"x" * 600), "扫描件.pdf")]},
              page=detail, content_type="multipart/form-data")
    first = File.get()
    auth.post(f"{detail}/files", {"replaces": str(first.id),
                                  "files": [(io.BytesIO(samples.pdf("Scan 2")), "扫描件（清晰）.pdf")]},
              page=detail, content_type="multipart/form-data")
    auth.post(f"{detail}/withdraw", {"reason": "重复登记，见档号 J001-WS·2026-Y-ZH-0002"}, page=detail)
    return detail


def test_the_document_page_tells_its_history_in_words(client, auth, world):
    detail = a_document_with_a_life(client, auth, world)
    document = Document.get()
    body = document.body
    transfer = Transfer.create(body=body, run_by=world["transfer_officer"])
    audit.record("transfer.check", transfer, {"pass": 9, "warning": 1, "fail": 0},
                 user=world["transfer_officer"], body=body)
    audit.record("transfer.export", transfer, {"package": "J001-AAA-20261120.zip"},
                 user=world["transfer_officer"], body=body)
    auth.logout()
    auth.login("viewer")  # who may see the document may see what happened to it
    history = history_of(client, detail)
    secretary = User.get(User.username == "secretary").display_name
    for words in ("文件登记", "题名：关于加强重点场所疫情防控工作的通知",
                  "文件信息修改", "题名：关于加强重点场所疫情防控工作的通知 → 关于加强重点场所疫情防控工作的补充通知",
                  "密级：不标 → 内部",
                  "添加电子文件", "添加：扫描件.pdf（609 字节）",
                  "替换电子文件", "新版本：扫描件（清晰）.pdf",
                  "撤回文件", "原因：重复登记，见档号 J001-WS·2026-Y-ZH-0002",
                  "移交前四性检测", "通过 9 项，警告 1 项，不通过 0 项",
                  "移交包导出", "移交包 J001-AAA-20261120.zip", secretary):
        assert words in history, words
    assert history.index("文件登记") < history.index("撤回文件") < history.index("移交包导出")
    assert "document.register" not in history and "Document " not in history


def test_a_secretary_reads_her_bodys_trail_in_words_and_not_another(client, auth, world):
    a_document_with_a_life(client, auth, world)
    code = Document.get().reference_code
    page = client.get(f"/bodies/{world['a'].id}/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    words = text_of(re.sub(r"<details.*?</details>", "", html, flags=re.S))  # the disclosure aside
    assert "文件登记" in words and code in words and "撤回文件" in words
    assert "document.register" not in words and f"Document {Document.get().id}" not in words
    assert "<details" in html and "document.register" in html  # the raw record, behind a disclosure
    assert client.get(f"/bodies/{world['b'].id}/audit").status_code == 404


def test_the_trail_filters_by_document_person_action_and_date(client, auth, world):
    auth.login("secretary")
    register(auth, world["a"])
    register(auth, world["a"], title="第二件")
    first, second = Document.select().order_by(Document.id)
    url = f"/bodies/{world['a'].id}/audit"

    def shown(**args):
        html = client.get(url, query_string=args).get_data(as_text=True)
        return text_of(re.sub(r"<details.*?</details>", "", html, flags=re.S)).split("暂无记录")[0]

    only_second = shown(document=second.reference_code)
    assert second.reference_code in only_second and first.reference_code not in only_second
    assert "临时机构登记" in shown() and "临时机构登记" not in shown(person=str(world["secretary"].id))
    assert "临时机构登记" not in shown(action="document") and "文件登记" in shown(action="document")
    assert "文件登记" not in shown(start="2999-01-01")
    assert "文件登记" in shown(start="2000-01-01", end="2999-12-31")
