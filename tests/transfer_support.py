"""Helpers for the transfer tests: register items with real little files, dissolve a body."""
import datetime as dt
import io

from PIL import Image
from pypdf import PdfWriter

from capture.models import Category, Document, File, ScopeItem, next_item_number


def pdf_bytes(pages=1):
    """A small valid PDF."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def jpeg_bytes(colour=(200, 30, 30)):
    """A small valid JPEG."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def register(store, body, user, title, data=None, name="文件.pdf", category="ZH", scope=None,
             date=dt.date(2026, 7, 10), retention="Y", carrier="electronic", **fields):
    """Register an item the way the capture form does, with one file unless `data` is False."""
    cat = Category.get(Category.body == body, Category.code == category) if category else None
    key = f"WS·{date.year}-{retention}" + (f"-{cat.code}" if cat else "")
    number = next_item_number(body, key)
    scope_item = (ScopeItem.get(ScopeItem.body == body, ScopeItem.name == scope) if scope else None)
    doc = Document.create(body=body, category=cat, scope_item=scope_item, year=date.year,
                          retention=retention, class_key=key, item_number=number,
                          reference_code=f"{body.fonds_code}-{key}-{number:04d}",
                          responsible=fields.pop("responsible", "区防汛防台指挥部"), title=title,
                          date=date, pages=fields.pop("pages", 1), carrier=carrier, created_by=user,
                          **fields)
    if data is not False:
        data = pdf_bytes() if data is None else data
        sha, size = store.save(io.BytesIO(data))
        File.create(document=doc, original_name=name, sha256=sha, size=size,
                    media_type="application/pdf" if name.endswith(".pdf") else "image/jpeg",
                    long_term=True, created_by=user)
    return doc


def complete_body(store, body, user):
    """Register one item for every scope entry, so the check passes (but for warnings)."""
    docs = []
    for n, item in enumerate(ScopeItem.select().where(ScopeItem.body == body).order_by(ScopeItem.sort)):
        if "照片" in item.name:
            docs.append(register(store, body, user, item.name, data=jpeg_bytes(), name="现场照片.jpg",
                                 scope=item.name, date=dt.date(2026, 7, 1 + n)))
        else:
            docs.append(register(store, body, user, f"关于{item.name}的文件", scope=item.name,
                                 doc_number=f"防汛〔2026〕{n + 1}号", date=dt.date(2026, 7, 1 + n)))
    return docs


def dissolved(body, on=dt.date(2026, 10, 31)):
    """Put a body straight into the dissolved state."""
    body.status, body.dissolved_on = "dissolved", on
    body.save()
    return body


def flip_byte(path, offset=-10):
    """Change one byte of a file in place (the store keeps files read-only)."""
    import os
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:
        f.seek(offset, 2 if offset < 0 else 0)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))


def export_folder(app, body, out_dir, zip_package=False, user=None, operator="测试员"):
    """Claim and export a body's package the way `capture export` does; return the BagResult."""
    from capture.transfer import packaging
    transfer = packaging.claim(body, user, operator)
    return packaging.export(transfer, app.extensions["store"], out_dir, zip_package=zip_package)


def flood_body(app):
    """A dissolved flood task force with one complete item per scope entry, and its secretary."""
    from conftest import make_body, make_user
    body = make_body("FXQX", kind="flood", fonds_code="J002", name="区防汛防台指挥部临时工作组",
                     lead_org="区水务局", custodian="区档案馆", contact_person="陈文书")
    secretary = make_user("chen", "secretary", display_name="陈文书")
    docs = complete_body(app.extensions["store"], body, secretary)
    return dissolved(body), secretary, docs
