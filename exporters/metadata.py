"""items.csv and items.json: one row per item with the DA/T 46 minimum metadata and its files."""
import csv
import json

from .sheets import csv_row

SEPARATOR = " | "  # between the files of one item; safe names never contain "|"

# (key in items.json, column in items.csv, value of an Item)
ITEM_FIELDS = [
    ("aggregation_level", "聚合层次", lambda i: "件"),
    ("fonds_code", "全宗号", lambda i: i.fonds_code),
    ("fonds_name", "全宗名称", lambda i: i.body_name),
    ("record_class", "门类代码", lambda i: i.record_class),
    ("year", "年度", lambda i: i.year),
    ("retention", "保管期限", lambda i: i.retention),
    ("category_code", "机构（问题）代码", lambda i: i.category_code),
    ("category_name", "机构（问题）名称", lambda i: i.category_name),
    ("item_number", "件号", lambda i: i.item_number),
    ("reference_code", "档号", lambda i: i.reference_code),
    ("title", "题名", lambda i: i.display_title),
    ("responsible", "责任者", lambda i: i.responsible),
    ("date", "日期", lambda i: i.date8),
    ("doc_number", "文号", lambda i: i.doc_number),
    ("security", "密级", lambda i: i.security),
    ("pages", "页数", lambda i: i.pages),
    ("carrier", "载体", lambda i: i.carrier),
    ("status", "状态", lambda i: i.status),
    ("remarks", "备注", lambda i: i.remarks),
    ("created_by", "登记人", lambda i: i.created_by),
    ("created_at", "登记时间", lambda i: _iso(i.created_at)),
    ("updated_by", "最后修改人", lambda i: i.updated_by),
    ("updated_at", "最后修改时间", lambda i: _iso(i.updated_at)),
    ("withdrawn_by", "撤回人", lambda i: i.withdrawn_by),
    ("withdrawn_at", "撤回时间", lambda i: _iso(i.withdrawn_at)),
    ("withdrawn_reason", "撤回原因", lambda i: i.withdrawn_reason),
]
FILE_FIELDS = [
    ("original_name", "文件名", lambda f: f.original_name),
    ("path", "包内路径", lambda f: f.bag_path),
    ("size", "文件大小（字节）", lambda f: f.size),
    ("format", "格式", lambda f: " ".join(x for x in (f.puid, f.format_name) if x)),
    ("media_type", "媒体类型", lambda f: f.media_type),
    ("long_term", "长期保存格式", lambda f: "是" if f.long_term else "否"),
    ("format_check", "格式核验", lambda f: format_check(f)),
    ("pages", "文件页数", lambda f: "" if f.pages is None else f.pages),
    ("sha256", "SHA-256", lambda f: f.sha256),
]
PATH_COLUMN = "包内路径"


def format_check(f):
    """What became of the format a file claims: held, or refuted with the finding."""
    if not f.claimed:
        return ""
    if f.claim_finding:
        return f"声明为 {f.claimed}，核验未通过：{f.claim_finding}"
    return f"声明为 {f.claimed}，核验通过"


def _iso(value):
    return value.isoformat(timespec="seconds") if value else ""


def item_dict(item):
    """An item as the JSON object items.json carries."""
    data = {key: get(item) for key, _, get in ITEM_FIELDS}
    data["digest_algorithm"] = "SHA-256"
    data["files"] = [{key: get(f) for key, _, get in FILE_FIELDS} for f in item.files]
    return data


def write_csv(path, items):
    """Write items.csv (UTF-8 with BOM so that spreadsheet programs read the Chinese right)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([column for _, column, _ in ITEM_FIELDS]
                        + [column for _, column, _ in FILE_FIELDS] + ["摘要算法"])
        for item in items:
            files = [SEPARATOR.join(str(get(f)) for f in item.files) for _, _, get in FILE_FIELDS]
            writer.writerow(csv_row([get(item) for _, _, get in ITEM_FIELDS] + files + ["SHA-256"]))


def write_json(path, fonds, items):
    """Write items.json: the fonds and every item with its files, streamed item by item."""
    with open(path, "w", encoding="utf-8") as out:
        head = {"fonds_code": fonds.fonds_code, "fonds_name": fonds.body_name,
                "body_code": fonds.body_code}
        out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "items": [\n')
        for n, item in enumerate(items):
            out.write((",\n" if n else "") + json.dumps(item_dict(item), ensure_ascii=False))
        out.write("\n]}\n")


def read_csv_paths(path_or_stream):
    """Every package path listed in an items.csv (a path or a text stream), and the number of rows."""
    if hasattr(path_or_stream, "read"):
        rows = list(csv.DictReader(path_or_stream))
    else:
        with open(path_or_stream, encoding="utf-8-sig", newline="") as src:
            rows = list(csv.DictReader(src))
    paths = [p for row in rows for p in (row.get(PATH_COLUMN) or "").split(SEPARATOR) if p]
    return paths, len(rows)
