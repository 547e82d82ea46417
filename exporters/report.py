"""The four-properties check report (四性检测报告) as .docx and .json."""
import json

from .docx_base import (add_table_placeholder, append_table, describe, heading, new_document,
                        number_pages, paragraph, save_with_table)

PROPERTIES = {"authenticity": "真实性", "completeness": "完整性", "usability": "可用性",
              "security": "安全性"}
SEVERITIES = {"pass": "通过", "warning": "警告", "fail": "不通过"}


def verdict(report):
    """The overall result in words."""
    if report["summary"]["fail"]:
        uncovered = sum(1 for f in report["findings"] if f["severity"] == "fail" and not f.get("committed"))
        return "不通过" if uncovered else "不通过项均已作出限时承诺"
    return "通过（有警告）" if report["summary"]["warning"] else "通过"


def write_json(path, report):
    """Write the report as UTF-8 JSON."""
    with open(path, "w", encoding="utf-8") as out:
        json.dump(report, out, ensure_ascii=False, indent=1, default=str)
        out.write("\n")


def write_docx(path, report):
    """Write the report: summary per property, then every finding with its code."""
    document = new_document(landscape=True)
    describe(document, f"{report['body_name']} 电子档案四性检测报告", report["body_name"])
    number_pages(document)
    paragraph(document, "电子档案四性检测报告", size=18, bold=True, center=True, font="黑体")
    paragraph(document, f"全宗：{report['fonds_code']} {report['body_name']}")
    paragraph(document, f"检测时间：{report['run_at']}　检测人：{report.get('run_by', '')}")
    totals = report["totals"]
    paragraph(document, f"件数：{totals['items']}　文件数：{totals['files']}　字节数：{totals['bytes']}")
    paragraph(document, f"结论：{verdict(report)}", bold=True)
    heading(document, "分项结果", level=2)
    summary = []
    for key, name in PROPERTIES.items():
        counts = {s: 0 for s in SEVERITIES}
        for finding in report["findings"]:
            if finding["property"] == key:
                counts[finding["severity"]] += 1
        summary.append((name, str(counts["pass"]), str(counts["warning"]), str(counts["fail"])))
    append_table(document, (3000, 2000, 2000, 2000), ("检测项", "通过", "警告", "不通过"), summary, 22)
    heading(document, "逐项明细", level=2)
    rows = [(str(n), PROPERTIES[f["property"]], f["code"], SEVERITIES[f["severity"]], f["subject"],
             f["message"], "已承诺" if f.get("committed") else "")
            for n, f in enumerate(report["findings"], 1)]
    add_table_placeholder(document)
    save_with_table(document, path, (600, 1000, 1900, 900, 2600, 6500, 900),
                    ("序号", "性质", "代码", "结果", "对象", "说明", "承诺"), rows, 18)
