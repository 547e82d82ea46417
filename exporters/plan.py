"""The filing plan (归档计划) of a body as .docx: its scope, expected series, categories and retention.

Agreed and signed at the founding check-in, so that the body files as it works (预立卷). Plain data
in, a document out: no Flask, no database.
"""
from dataclasses import dataclass, field

from .docx_base import append_table, new_document, paragraph

# DA/T 22-2015 §6: the three retention periods of item-level filing.
RETENTIONS = (("永久", "反映本机构主要职能活动、具有长远利用价值的文件，如成立与撤销文件、会议纪要、工作总结"),
              ("30 年", "反映一般工作活动、在较长时间内需要查考的文件，如工作方案、情况报告"),
              ("10 年", "在较短时间内需要查考的文件，如一般性通知、事务性材料"))


@dataclass
class PlanItem:
    """One line of the plan: what the body will produce and how often."""
    name: str
    required: bool
    series: str  # how it recurs, in words (每天一期 …); "" for a one-off item
    starts_on: str  # ISO date, or ""
    registered: int
    missing: str = ""  # the periods already missing, named (a series only)


@dataclass
class FilingPlan:
    """What the plan shows; dates as ISO text, names as they are."""
    body_name: str
    fonds_code: str
    kind: str
    established_on: str
    expected_end: str
    liaison: str
    made_on: str
    items: list = field(default_factory=list)
    categories: list = field(default_factory=list)  # [(code, name)]


def write_filing_plan(target, plan):
    """Write the plan to `target` (a path or a binary stream)."""
    document = new_document()
    core = document.core_properties
    core.title, core.author = f"{plan.body_name} 归档计划", plan.body_name
    paragraph(document, f"{plan.body_name}", size=16, bold=True, center=True, font="黑体")
    paragraph(document, "归档计划（预立卷）", size=16, bold=True, center=True, font="黑体")
    paragraph(document, f"全宗号：{plan.fonds_code}　机构类别：{plan.kind}　成立日期：{plan.established_on}"
              + (f"　预计撤销：{plan.expected_end}" if plan.expected_end else ""))
    paragraph(document, "一、应归档的文件及其形成规律", bold=True, font="黑体")
    rows = [(str(n), item.name, "必需" if item.required else "可选", item.series or "不定期",
             item.starts_on or "成立之日", str(item.registered), item.missing or "—")
            for n, item in enumerate(plan.items, 1)]
    append_table(document, (500, 2700, 700, 1200, 1200, 800, 1700),
                 ("序号", "应归档的文件", "要求", "形成规律", "起始日期", "已登记", "已缺期次"), rows)
    paragraph(document, "二、机构（问题）分类（档号的一级）", bold=True, font="黑体")
    append_table(document, (1400, 4000), ("分类代码", "分类名称"),
                 [(code, name) for code, name in plan.categories])
    paragraph(document, "三、保管期限（DA/T 22-2015）", bold=True, font="黑体")
    append_table(document, (1200, 7600), ("保管期限", "适用的文件"), RETENTIONS)
    paragraph(document, "每天、每周形成的文件逐期登记，成文当日或次日登记；缺漏由档案指导员在每次指导时核对。")
    paragraph(document, f"编制日期：{plan.made_on}　档案指导员：{plan.liaison or '　　　　'}")
    paragraph(document, "机构负责人（签字）：　　　　　　　　档案指导员（签字）：　　　　　　　　日期：")
    document.save(target)
