"""The forms that travel with the records: transfer register, commitments, fonds descriptions, 说明文件."""
from dataclasses import dataclass, field

from .docx_base import append_table, describe, heading, new_document, number_pages, page_break, paragraph
from .records import xml_safe

GIB = 1024 ** 3
CHECK_COLUMNS = ("准确性检验", "完整性检验", "可用性检验", "安全性检验", "载体外观检验")
SIGNATURE_ROWS = ("填表人", "审核人", "单位（印章）", "日期")


@dataclass
class Register:
    """The facts of one handover for the 移交与接收登记表."""
    handover_name: str
    content: str
    item_count: int
    file_count: int
    data_bytes: int
    sender: str
    receiver: str
    checks: dict                 # column → the sender's result
    package_name: str
    carrier: str = "在线"
    prepared_by: str = ""
    prepared_on: str = ""
    algorithm: str = "SHA-256"
    digest: str = ""             # empty inside the package: a package cannot carry its own digest
    digest_sm3: str = ""         # the same package's SM3 (GB/T 32905-2016)
    package_size: int = 0
    notes: list = field(default_factory=list)
    identifier: str = ""         # the transfer's archival identifier and UUID
    zipped: bool = False         # the package is a zip (its digest is the zip's), not a folder
    batch: str = ""              # 第 2 批（补充移交）
    follows: str = ""            # the earlier packages a supplement follows, by identifier and name


def gigabytes(size):
    """Data volume in GB to three decimals, as the register asks."""
    return f"{size / GIB:.3f}"


def write_register(path, register):
    """Write the 移交与接收登记表 with counts, check columns, both signature blocks and the annex."""
    document = new_document()
    describe(document, f"电子档案移交与接收登记表：{register.handover_name}", register.sender)
    number_pages(document)
    paragraph(document, "电子档案移交与接收登记表", size=18, bold=True, center=True, font="黑体")
    facts = [("交接工作名称", register.handover_name),
             ("移交标识", register.identifier or "—"),
             *([("批次", register.batch)] if register.batch else []),
             *([("接续的移交", f"本次为补充移交，接续 {register.follows}")] if register.follows else []),
             ("内容描述", register.content),
             ("移交电子档案数量", f"{register.item_count} 件（{register.file_count} 个文件）"),
             ("移交数据量", f"{gigabytes(register.data_bytes)} GB（{register.data_bytes} 字节）"),
             ("载体起止顺序号", "—" if register.carrier == "在线" else ""),
             ("移交载体类型、规格", register.carrier)]
    append_table(document, (2600, 6400), ("项目", "内容"), facts, 22)
    paragraph(document, "检验情况", bold=True, font="黑体")
    header = ("单位",) + CHECK_COLUMNS
    rows = [("移交单位",) + tuple(register.checks.get(c, "") for c in CHECK_COLUMNS),
            ("接收单位",) + ("",) * len(CHECK_COLUMNS)]
    append_table(document, (1500,) + (1500,) * len(CHECK_COLUMNS), header, rows, 20)
    paragraph(document, "交接双方签字", bold=True, font="黑体")
    signatures = [(label, register.prepared_by if label == "填表人" else "", "")
                  for label in SIGNATURE_ROWS]
    signatures[3] = ("日期", register.prepared_on, "")
    append_table(document, (2000, 3500, 3500),
                 ("", f"移交单位：{register.sender}", f"接收单位：{register.receiver}"),
                 signatures, 22)
    for note in register.notes:
        paragraph(document, note, size=10)
    # The annex does not fit under the signatures: it starts its own page, under the register's
    # heading again, rather than leaving two digest rows alone at the top of an unnamed page.
    page_break(document)
    paragraph(document, "电子档案移交与接收登记表（续）", size=14, bold=True, center=True, font="黑体")
    paragraph(document, f"交接工作名称：{register.handover_name}", size=10)
    heading(document, "附件：移交数据包摘要", level=2)
    append_table(document, (2600, 6400), ("项目", "内容"), annex_rows(register), 20)
    document.save(path)


def digested_files(register):
    """(what the SHA-256 is of, what the SM3 is of), as paths from the folder the package lies in.

    A zip is pinned by its own bytes. A folder cannot be, so it is pinned by its tag manifest:
    tagmanifest-sha256.txt lists the digests of bagit.txt, bag-info.txt and both payload
    manifests, and they list every file, so one digest of it stands for the whole folder.
    """
    if register.zipped:
        return f"{register.package_name}.zip", f"{register.package_name}.zip"
    return f"{register.package_name}/tagmanifest-sha256.txt", f"{register.package_name}/tagmanifest-sm3.txt"


def annex_rows(register):
    """The annex: the package, and for each digest the file it is of, its value and the one-line
    command that reproduces it with standard tools (sha256sum; OpenSSL 3 for SM3)."""
    if not register.digest:  # the copy inside the package: a package cannot carry its own digest
        return [("数据包名称", register.package_name),
                ("摘要算法", f"{register.algorithm}；SM3（GB/T 32905-2016）"),
                ("摘要值", "见数据包旁的登记表副本（数据包不能包含自身的摘要）"),
                ("SM3 摘要值", "见数据包旁的登记表副本"),
                ("数据包大小", "见登记表副本")]
    sha256_of, sm3_of = digested_files(register)
    why = ("压缩包文件本身" if register.zipped else
           "文件夹包中的标签清单：它列出 bagit.txt、bag-info.txt 和两份载荷清单的摘要，载荷清单又列出每个文件的摘要，"
           "故这一个摘要即代表整个文件夹")
    return [("数据包名称", f"{register.package_name}.zip" if register.zipped else f"{register.package_name}/（文件夹）"),
            ("摘要算法", f"{register.algorithm}（FIPS 180-4）；SM3（GB/T 32905-2016）"),
            ("SHA-256 摘要对象", f"{sha256_of}（{why}）"),
            ("摘要值", register.digest),
            ("SHA-256 复核命令", f"sha256sum {sha256_of}"),
            ("SM3 摘要对象", sm3_of),
            ("SM3 摘要值", register.digest_sm3 or "—"),
            ("SM3 复核命令", f"openssl dgst -sm3 {sm3_of}（OpenSSL 3）"),
            ("复核方法", "在本登记表所在的文件夹中运行上面的命令，输出的摘要应与摘要值一致"),
            ("数据包大小", f"{register.package_size} 字节")]


def read_register_digest(path):
    """The package's SHA-256 written in a register's annex, or "" when it has none."""
    return read_register_digests(path).get("sha256", "")


def read_register_digests(path):
    """{"sha256": …, "sm3": …}: the package digests a register's annex gives."""
    from docx import Document
    rows = {"摘要值": "sha256", "SM3 摘要值": "sm3"}
    found = {}
    for table in Document(path).tables:
        for tr in table.rows:
            cells = [c.text.strip() for c in tr.cells]
            if len(cells) == 2 and cells[0] in rows and len(cells[1]) == 64:
                found[rows[cells[0]]] = cells[1].lower()
    return found


def write_commitments(path, fonds, commitments):
    """Write the 容缺承诺 list: what is missing, who promised it and by when."""
    document = new_document()
    describe(document, f"{fonds.body_name} 限时承诺（容缺受理）清单", fonds.body_name)
    number_pages(document)
    paragraph(document, f"{fonds.body_name} 限时承诺（容缺受理）清单", size=16, bold=True, center=True,
              font="黑体")
    paragraph(document, f"全宗号：{fonds.fonds_code}　共 {len(commitments)} 项")
    rows = [(str(n), c["what"], c["check_code"], c["promised_by"], c["due"], c["status"],
             c.get("document", "")) for n, c in enumerate(commitments, 1)]
    append_table(document, (600, 3000, 1300, 1100, 1100, 800, 2100),
                 ("序号", "缺失事项", "检测项", "承诺人", "承诺期限", "状态", "补交文件"), rows, 20)
    document.save(path)


def write_descriptions(path, fonds, introduction, history, chronicle):
    """Write the fonds descriptions: 全宗介绍, 组织沿革 and 大事记 (dated events)."""
    document = new_document()
    describe(document, f"{fonds.body_name} 全宗介绍、组织沿革、大事记", fonds.body_name)
    number_pages(document)
    paragraph(document, f"{fonds.body_name}（全宗号 {fonds.fonds_code}）", size=16, bold=True,
              center=True, font="黑体")
    heading(document, "全宗介绍")
    for line in (introduction or "（未填写）").splitlines() or [""]:
        paragraph(document, line)
    heading(document, "组织沿革")
    for line in (history or "（未填写）").splitlines() or [""]:
        paragraph(document, line)
    heading(document, "大事记")
    append_table(document, (1800, 7200), ("日期", "事件"),
                 [(entry["date"], entry["event"]) for entry in chronicle] or [("", "（无）")], 22)
    document.save(path)


def write_description_file(path, fonds, facts):
    """Write 说明文件: what the carrier holds, who made and checked it, the software needed."""
    lines = ["说明文件", "",
             f"全宗号：{fonds.fonds_code}",
             f"全宗名称：{fonds.body_name}",
             f"牵头单位：{fonds.lead_org}",
             f"撤销后档案保管单位：{fonds.custodian}",
             f"成立日期：{fonds.established_on or ''}",
             f"撤销日期：{fonds.dissolved_on or ''}"]
    lines += [f"{label}：{value}" for label, value in facts]
    lines += ["",
              "结构：本数据包为 BagIt 1.0 包（RFC 8493）。data/files/ 按档号存放每件的电子文件；",
              "data/metadata/ 为条目元数据（items.csv、items.json，及按 DA/T 46 元素名称组织、可用 capture-metadata-2.xsd",
              "校验的 metadata.xml）；data/catalogue/ 为归档文件目录（每个门类一份 .docx、.xlsx，按年度和保管期限分册；",
              "及 文件目录 catalogue.xml，可用 capture-catalogue-1.xsd 校验）；data/forms/ 为移交与接收登记表、四性检测报告、",
              "限时承诺清单与全宗介绍、组织沿革、大事记；data/guidance/ 为档案指导记录；",
              "data/audit/ 为本机构的操作审计记录（哈希链，可复核）。",
              "校验：manifest-sha256.txt 与 manifest-sm3.txt 列出每个文件的 SHA-256 与 SM3 摘要；可用任一 BagIt 校验工具验证，",
              "或在包文件夹中运行 sha256sum -c manifest-sha256.txt。整个包的摘要不能写在包内：数据包旁的登记表",
              "（*-register.docx）附件给出它是哪个文件的摘要（压缩包本身，或文件夹包的 tagmanifest-sha256.txt）及复核命令。",
              "所需软件：PDF/OFD 阅读器、图片查看器、表格与文字处理软件、BagIt 校验工具。"]
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("\n".join(xml_safe(line) for line in lines) + "\n")
