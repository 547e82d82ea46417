"""metadata.xml: every item's DA/T 46 metadata in our own namespace, valid against the XSD beside it."""
from pathlib import Path

from lxml import etree

from .catalogue import RETENTION_NAMES
from .records import xml_safe

NAMESPACE = "urn:capture:metadata:1"  # our own; the schema travels with the XML, nothing is fetched
SCHEMA_NAME = "capture-metadata-1.xsd"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / SCHEMA_NAME
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DIGESTS = (("SHA-256", "sha256"), ("SM3", "sm3"))


def _iso(moment):
    return moment.isoformat(timespec="seconds")


def _element(tag, text=None, **attributes):
    element = etree.Element(f"{{{NAMESPACE}}}{tag}", {k: xml_safe(v) for k, v in attributes.items()},
                            nsmap={None: NAMESPACE})  # the default namespace, not an ns0: prefix
    if text is not None:
        element.text = xml_safe(text)
    return element


def _child(parent, tag, text=None, **attributes):
    element = _element(tag, text, **attributes)
    parent.append(element)
    return element


def item_element(item, shared_events=()):
    """One <件>: the core set, its files with format, size and both digests, and its events."""
    entry = _element("件")
    _child(entry, "聚合层次", "件")
    _child(entry, "档号", item.reference_code)
    _child(entry, "门类代码", item.record_class)
    _child(entry, "年度", str(item.year))
    _child(entry, "保管期限", RETENTION_NAMES.get(item.retention, item.retention), 代码=item.retention)
    if item.category_code:
        _child(entry, "机构问题", item.category_name, 代码=item.category_code)
    _child(entry, "件号", str(item.item_number))
    _child(entry, "题名", item.display_title)
    for tag, value in (("责任者", item.responsible), ("日期", item.date8), ("文号", item.doc_number),
                       ("页数", str(item.pages or 0)), ("密级", item.security), ("载体", item.carrier),
                       ("状态", item.status), ("备注", item.remarks)):
        _child(entry, tag, value)
    for n, f in enumerate(item.files, 1):
        record = _child(entry, "电子文件", 序号=str(n))
        _child(record, "文件名", f.original_name)
        _child(record, "包内路径", f.bag_path)
        _child(record, "格式", f.format_name, PUID=f.puid, 长期保存格式="true" if f.long_term else "false")
        _child(record, "媒体类型", f.media_type)
        _child(record, "大小", str(f.size), 单位="字节")
        for name, attribute in DIGESTS:
            if getattr(f, attribute, ""):
                _child(record, "摘要", getattr(f, attribute), 算法=name)
    for action, moment, by, note in [*item.events, *shared_events]:
        event = _child(entry, "业务行为", 行为=action, 时间=_iso(moment), 操作人=by or "未记录")
        if note:
            _child(event, "说明", note)
    return entry


def write_xml(path, fonds, items, identifier, made_at, shared_events=()):
    """Write metadata.xml, one <件> per item, streamed; `shared_events` (检测, 移交) apply to each."""
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        attributes = {f"{{{XSI}}}schemaLocation": f"{NAMESPACE} {SCHEMA_NAME}",
                      "全宗号": fonds.fonds_code, "全宗名称": xml_safe(fonds.body_name),
                      "移交标识": xml_safe(identifier), "生成时间": _iso(made_at)}
        with xf.element(f"{{{NAMESPACE}}}电子档案元数据", attributes, nsmap={None: NAMESPACE, "xsi": XSI}):
            for item in items:
                xf.write(item_element(item, shared_events))


def validate(path):
    """The schema's complaints about the XML at `path` ([] when it is valid)."""
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    document = etree.parse(str(path))
    return [] if schema.validate(document) else [str(error) for error in schema.error_log]
