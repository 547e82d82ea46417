"""A body's packages as one series: the group they share, which of it each is, what each follows.

RFC 8493 §2.2.2 gives a set of bags a Bag-Group-Identifier and each its Bag-Count ("N of T", T "?"
when more may come); a supplement also names, by External-Identifier, the packages it follows.
"""
from pathlib import Path

from capture.models import Transfer
from capture.records import lifecycle


def group_identifier(body):
    """The Bag-Group-Identifier every package of a body shares: its fonds code and body code."""
    return f"{body.fonds_code}-{body.code}"


def earlier(transfer):
    """The body's packages exported before this transfer, oldest first: the ones it follows."""
    return list(Transfer.select().where(Transfer.body == transfer.body, Transfer.id < transfer.id,
                                        Transfer.status.in_(lifecycle.EXPORTED)).order_by(Transfer.id))


def batch_number(transfer):
    """Which of the body's packages this is: 1 for the first, 2 for its first supplement …"""
    return len(earlier(transfer)) + 1


def follows_text(transfer):
    """The packages a supplement follows, as the register and 说明文件 name them ("" for the first)."""
    return "；".join(f"{t.identifier or f'#{t.id}'}（{Path(t.package_path).name}）" for t in earlier(transfer))


def batch_text(transfer):
    """"第 2 批（补充移交）" or "第 1 批（全部移交）": the package's place among the body's packages."""
    kind = "补充移交" if transfer.kind == "supplementary" else "全部移交"
    return f"第 {batch_number(transfer)} 批（{kind}）"


def follows_by_transfer(history):
    """{transfer id: (batch number, [earlier exported transfers])} for a body's transfers as
    transfers() lists them: what the page says each package follows, as its package says."""
    done = sorted((t for t in history if t.status in lifecycle.EXPORTED), key=lambda t: t.id)
    return {t.id: (len([e for e in done if e.id < t.id]) + 1, [e for e in done if e.id < t.id]) for t in history}


def described(transfer):
    """The 说明文件's lines on the series: 批次, what a supplement follows, the group and count."""
    n = batch_number(transfer)
    lines = [("批次", batch_text(transfer))]
    if transfer.kind == "supplementary":
        lines.append(("接续的移交", f"本包补充 {follows_text(transfer)}"))
    lines.append(("数据包组", f"{group_identifier(transfer.body)}（bag-info.txt 的 Bag-Group-Identifier；"
                             f"本包为第 {n} 个，Bag-Count {n} of ?）"))
    return lines
