"""metadata.xml: every item's metadata in DA/T 46-2009's names and grouping, in our own namespace,
valid against the XSD that travels beside it."""
from pathlib import Path

from lxml import etree

from .catalogue import RETENTION_NAMES
from .records import xml_safe

NAMESPACE = "urn:capture:metadata:2"  # our own; the schema travels with the XML, nothing is fetched
SCHEMA_NAME = "capture-metadata-2.xsd"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / SCHEMA_NAME
# Schemas of packages written before, by the name they travel under: verify still checks those.
EARLIER_SCHEMAS = {"capture-metadata-1.xsd": "urn:capture:metadata:1"}
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DIGESTS = (("SHA-256", "sha256"), ("SM3", "sm3"))
# The codes of the database in the standards' words (DA/T 46: 载体 电子/纸质, not electronic).
CARRIERS = {"electronic": "电子", "paper": "纸质", "photo": "照片", "audio-video": "录音录像"}
STATUSES = {"registered": "有效", "withdrawn": "已撤回"}
# What an audit action on an item did, for 行为描述 (the trail's own words stay in audit.jsonl).
ACTION_WORDS = {"document.edit": "修改著录", "document.file.add": "补充电子文件",
                "document.file.replace": "替换电子文件", "document.withdraw": "撤回"}


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


def _group(parent, tag, *children):
    """A DA/T 46 compound element holding simple (tag, text) children."""
    group = _child(parent, tag)
    for child, text in children:
        _child(group, child, text)
    return group


def item_element(item, fonds=None, shared_events=()):
    """One <文件实体> in DA/T 46's names and grouping: 来源, 档号, 内容描述, 形式特征, an 电子属性 per
    computer file (format, name, size, digests, where it lies), a 业务实体 per action."""
    entry = _element("文件实体")
    _child(entry, "聚合层次", "件")
    _group(entry, "来源", ("档案馆名称", fonds.custodian if fonds else ""),
           ("全宗名称", item.body_name), ("立档单位名称", item.body_name))
    # The 档号 is unique and never changes once given (DA/T 22), so it serves as the item's number.
    _child(entry, "电子文件号", item.reference_code)
    code = _child(entry, "档号", 完整档号=item.reference_code)
    _child(code, "全宗号", item.fonds_code)
    _child(code, "门类代码", item.record_class)
    _child(code, "年度", str(item.year))
    _child(code, "保管期限", RETENTION_NAMES.get(item.retention, item.retention), 代码=item.retention)
    if item.category_code:
        _child(code, "机构或问题", item.category_name, 代码=item.category_code)
    _child(code, "室编件号", f"{item.item_number:04d}")
    content = _group(entry, "内容描述", ("题名", item.title), ("文件编号", item.doc_number),
                     ("责任者", item.responsible), ("日期", item.date8), ("密级", item.security),
                     ("附注", item.remarks))
    content.set("题名为著录者拟写", "true" if item.title_supplied else "false")
    _group(entry, "形式特征", ("页数", str(item.pages or 0)), ("载体", CARRIERS.get(item.carrier, item.carrier)))
    _child(entry, "文件状态", STATUSES.get(item.status, item.status))
    for n, f in enumerate(item.files, 1):
        record = _child(entry, "电子属性", 序号=str(n))
        _child(record, "计算机文件名", f.bag_path.rsplit("/", 1)[-1])
        _child(record, "原文件名", f.original_name)
        _child(record, "计算机文件大小", str(f.size), 单位="字节")
        _child(record, "格式信息", f.format_name, PUID=f.puid, 媒体类型=f.media_type,
               长期保存格式="true" if f.long_term else "false")
        if f.claimed:
            # What the file says it is, kept beside what it was found to be.
            _child(record, "格式核验", f.claim_finding, 声明格式=f.claimed,
                   结论="未通过" if f.claim_finding else "通过")
        for name, attribute in DIGESTS:
            if getattr(f, attribute, ""):
                _child(record, "数字摘要", getattr(f, attribute), 算法=name)
        _group(record, "存储位置", ("在线存址", f.bag_path))
    for action, moment, by, note in [*item.events, *shared_events]:
        event = _child(entry, "业务实体")
        _child(event, "业务状态", "历史行为")
        _child(event, "业务行为", action)
        _child(event, "行为时间", _iso(moment))
        _child(event, "行为描述", ACTION_WORDS.get(note, note) or action)
        _group(event, "机构人员实体", ("机构人员类型", "个人"), ("机构人员名称", by or "未记录"))
    return entry


def write_xml(path, fonds, items, identifier, made_at, shared_events=()):
    """Write metadata.xml, one <件> per item, streamed; `shared_events` (检测, 移交) apply to each."""
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        attributes = {f"{{{XSI}}}schemaLocation": f"{NAMESPACE} {SCHEMA_NAME}",
                      "全宗号": fonds.fonds_code, "全宗名称": xml_safe(fonds.body_name),
                      "移交标识": xml_safe(identifier), "生成时间": _iso(made_at)}
        with xf.element(f"{{{NAMESPACE}}}电子文件元数据", attributes, nsmap={None: NAMESPACE, "xsi": XSI}):
            for item in items:
                xf.write(item_element(item, fonds, shared_events))


def validate(path):
    """The schema's complaints about the XML at `path` ([] when it is valid)."""
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    document = etree.parse(str(path))
    return [] if schema.validate(document) else [str(error) for error in schema.error_log]
