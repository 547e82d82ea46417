"""Every XML a package carries has a namespace and a schema that travels with it, and is valid."""
import copy
import datetime as dt

import pytest
from lxml import etree

from exporters import catalogue, metadata_xml
from exporters.records import FileEntry, Fonds, Item
from transfer_support import export_folder, flood_body

XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
FONDS = Fonds("J001", "YQFK", "区新冠肺炎疫情防控工作指挥部", custodian="区档案馆")


def test_every_xml_in_a_package_validates_against_the_schema_beside_it(app, tmp_path):
    body, _secretary, docs = flood_body(app)
    package = export_folder(app, body, tmp_path).path
    found = sorted(package.rglob("*.xml"))
    assert {p.name for p in found} == {"metadata.xml", "catalogue.xml"}
    for path in found:
        document = etree.parse(str(path))
        namespace, schema_name = document.getroot().get(XSI_LOCATION).split()
        assert etree.QName(document.getroot()).namespace == namespace and namespace.startswith("urn:capture:")
        schema = etree.XMLSchema(etree.parse(str(path.with_name(schema_name))))  # the one in the package
        assert schema.validate(document), (path.name, schema.error_log)
    ns = {"c": catalogue.XML_NAMESPACE}
    rows = etree.parse(str(package / "data/catalogue/catalogue.xml")).getroot().findall("c:目录/c:文件", ns)
    assert len(rows) == len(docs)
    first = next(r for r in rows if r.findtext("c:档号", namespaces=ns) == docs[0].reference_code)
    assert first.findtext("c:文号", namespaces=ns) == docs[0].doc_number
    assert first.findtext("c:页数", namespaces=ns) == str(docs[0].pages)
    assert first.findtext("c:保管期限", namespaces=ns) == "永久"


def item(**fields):
    values = dict(seq=1, reference_code="J001-WS·2026-Y-ZH-0001", fonds_code="J001", body_name=FONDS.body_name,
                  record_class="WS", year=2026, retention="Y", category_code="ZH", category_name="综合协调",
                  item_number=1, doc_number="区防指〔2026〕1号", responsible="区疫情防控工作指挥部",
                  title="关于防控物资调配的通知", date=dt.date(2026, 2, 28), pages=2, security="",
                  carrier="electronic", status="registered", remarks="",
                  events=[("登记", dt.datetime(2026, 3, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))), "张三", "")])
    values.update(fields)
    entry = Item(**values)
    entry.files.append(FileEntry("通知.pdf", "data/files/J001-WS·2026-Y-ZH-0001/01-通知.pdf", 10, "a" * 64,
                                 media_type="application/pdf", puid="fmt/354", format_name="PDF/A-1b",
                                 long_term=True, sm3="b" * 64))
    return entry


def written(tmp_path, writer, schema_path, *args):
    path = tmp_path / "x.xml"
    writer(path, *args)
    return etree.parse(str(path)), etree.XMLSchema(etree.parse(str(schema_path)))


@pytest.mark.parametrize("date, valid", [("20260228", True), ("20240229", True), ("20000229", True),
                                         ("20261399", False), ("20260230", False), ("20250229", False),
                                         ("19000229", False), ("20260431", False), ("2026-02-28", False)])
def test_both_schemas_take_only_real_dates(tmp_path, date, valid):
    when = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    documents = [written(tmp_path, metadata_xml.write_xml, metadata_xml.SCHEMA_PATH, FONDS, [item()], "J001-2026-001",
                         when),
                 written(tmp_path, catalogue.write_xml, catalogue.XML_SCHEMA_PATH, FONDS, [item()])]
    for document, schema in documents:
        assert schema.validate(document), schema.error_log
        broken = copy.deepcopy(document)
        for element in broken.iter():
            if etree.QName(element).localname == "日期":
                element.text = date
        assert schema.validate(broken) == valid, (date, schema.error_log)


@pytest.mark.parametrize("tag, code", [("载体", "electronic"), ("文件状态", "registered"), ("密级", "绝对机密"),
                                       ("保管期限", "D30")])
def test_the_metadata_schema_takes_codes_only_from_their_lists(tmp_path, tag, code):
    document, schema = written(tmp_path, metadata_xml.write_xml, metadata_xml.SCHEMA_PATH, FONDS, [item()],
                               "J001-2026-001", dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc))
    assert schema.validate(document), schema.error_log
    element = next(e for e in document.iter() if etree.QName(e).localname == tag)
    element.text = code
    assert not schema.validate(document)
