"""Our own rules for our own packages, beyond BagIt: items.csv, the catalogue and metadata.xml agree
with the payload and with Item-Count, each XML validates against the schema beside it, and the
audit trail's hash chain holds. No Flask, no database."""
import datetime as dt
import io
import json
from pathlib import Path
from types import SimpleNamespace

from capture.i18n import message
from .bagsource import N_


def check_our_package(source, result, payload, info):
    """Our own rules: catalogue rows = items.csv rows = Item-Count; every payload file listed."""
    from exporters.metadata import read_csv_paths
    with source.open("data/metadata/items.csv") as raw:
        listed, rows = read_csv_paths(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
    files = {n for n in payload if n.startswith("data/files/")}
    for name in sorted(files - set(listed)):
        result.fail(N_("未列入 items.csv 的文件：%(path)s"), path=name)
    for name in sorted(set(listed) - files):
        result.fail(N_("items.csv 列出但包中没有的文件：%(path)s"), path=name)
    if "data/catalogue/catalogue.xml" in source.files:
        from exporters import catalogue
        # Packages written before 文件目录 had a schema carry none: theirs is not required.
        document = _check_against_schema(source, result, "data/catalogue/catalogue.xml",
                                         {catalogue.XML_SCHEMA_NAME: catalogue.XML_SCHEMA_PATH}, required=False)
        # Counted from the document already parsed; read again only when it was not (no schema).
        count = (_entries(document.iter()) if document is not None else _catalogue_entries(source, result))
        if count is not None and count != rows:
            result.fail(N_("文件目录（catalogue.xml）有 %(count)s 条，items.csv 有 %(rows)s 条"), count=count, rows=rows)
    item_count = dict(info).get("Item-Count")
    if item_count and item_count != str(rows):
        result.fail(N_("bag-info.txt 的 Item-Count 为 %(count)s，items.csv 有 %(rows)s 条"), count=item_count, rows=rows)
    if "data/metadata/metadata.xml" in source.files:
        _check_metadata_xml(source, result, rows)
    if "data/audit/audit.jsonl" in source.files:
        with source.open("data/audit/audit.jsonl") as raw:
            broken = verify_audit(io.TextIOWrapper(raw, encoding="utf-8"))
        if broken:
            result.fail(N_("审计记录（audit.jsonl）哈希链在第 %(line)s 行断开"), line=broken)
    if result.valid:
        result.note(N_("目录、items.csv 与载荷一致：%(rows)s 件，%(files)s 个文件"), rows=rows, files=len(files))


def _check_metadata_xml(source, result, rows):
    """metadata.xml against the schema beside it, ours of that name (see _check_against_schema)."""
    from exporters import metadata_xml
    ours = {metadata_xml.SCHEMA_NAME: metadata_xml.SCHEMA_PATH,
            **{name: metadata_xml.SCHEMA_PATH.with_name(name) for name in metadata_xml.EARLIER_SCHEMAS}}
    document = _check_against_schema(source, result, "data/metadata/metadata.xml", ours, required=True)
    if document is not None and len(document.getroot()) != rows:
        result.fail(N_("metadata.xml 有 %(count)s 件，items.csv 有 %(rows)s 条"), count=len(document.getroot()), rows=rows)


def _check_against_schema(source, result, xml_path, ours, required):
    """Validate the XML at `xml_path` against the schema that travels beside it, when that schema
    is byte for byte one of `ours` {name: path} (a schema from the package itself is never loaded:
    it could reach for other files); the parsed document, or None."""
    from lxml import etree
    folder = xml_path.rsplit("/", 1)[0]
    shipped = [name for name in ours if f"{folder}/{name}" in source.files]
    name = xml_path.rsplit("/", 1)[1]
    if not shipped:
        if required:
            result.fail(N_("%(name)s 所引用的模式文件不在包中（应为 %(path)s）"), name=name,
                        path=f"{folder}/{next(iter(ours))}")
        return None
    schema_name = shipped[0]
    with source.open(f"{folder}/{schema_name}") as raw:
        if raw.read() != ours[schema_name].read_bytes():
            result.warn(N_("包中的 %(path)s 与本系统的模式不同，未据以校验 %(name)s"),
                        path=f"{folder}/{schema_name}", name=name)
            return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        with source.open(xml_path) as raw:
            document = etree.parse(raw, parser)
    except etree.XMLSyntaxError as exc:
        result.fail(N_("%(name)s 不是合式的 XML：%(error)s"), name=name, error=str(exc))
        return None
    schema = etree.XMLSchema(etree.parse(str(ours[schema_name])))
    if not schema.validate(document):
        # lxml's own words (English) follow the line they are about, as a detail.
        errors = [message(N_("第 %(line)s 行：%(error)s"), line=e.line, error=e.message)
                  for e in list(schema.error_log)[:3]]
        result.fail(N_("%(name)s 不符合模式 %(schema)s：%(errors)s"), name=name, schema=schema_name, errors=errors)
    return document


def _entries(elements):
    from lxml import etree
    return sum(1 for element in elements if etree.QName(element).localname == "文件")


def _catalogue_entries(source, result):
    from lxml import etree
    try:
        with source.open("data/catalogue/catalogue.xml") as raw:
            return _entries(element for _, element in etree.iterparse(raw, resolve_entities=False,
                                                                       no_network=True))
    except etree.XMLSyntaxError as exc:
        result.fail(N_("文件目录（catalogue.xml）不是合式的 XML：%(error)s"), error=str(exc))
        return None


def _stored_time(text):
    """An exported event time as the naive UTC time its hash covers (exports carry an offset)."""
    at = dt.datetime.fromisoformat(text)
    return at.astimezone(dt.timezone.utc).replace(tzinfo=None) if at.tzinfo else at


def verify_audit(path_or_stream):
    """Re-check the exported events' hashes and their per-body chain; the first broken line or 0."""
    from capture import audit
    stream = open(path_or_stream, encoding="utf-8") if isinstance(path_or_stream, (str, Path)) else path_or_stream
    previous = None
    with stream:
        for number, line in enumerate(stream, 1):
            data = json.loads(line)
            event = SimpleNamespace(**dict(data, at=_stored_time(data["at"])))
            if audit.compute_hash(event) != data["hash"]:
                return number
            if previous is not None and data["body_prev_hash"] != previous:
                return number
            previous = data["hash"]
    return 0

