"""The reads behind the API's lists: one query per page, nothing per row."""
from peewee import prefetch

from capture.i18n import N_
from capture.models import (CARRIERS, DOCUMENT_STATUSES, RETENTIONS, CheckIn, FollowUp, Membership,
                            Transfer, User)
from capture.people import auth
from capture.records import listing
from capture.transfer import packaging

from .support import Param

PAGE = [Param("page", "integer", N_("页码，从 1 开始。"), minimum=1, maximum=100000, default=1),
        Param("per_page", "integer", N_("每页条数。"), minimum=1, maximum=200, default=50)]
DOCUMENT_FILTERS = [
    Param("q", "string", N_("在题名、文号、责任者和档号中查找（包含即匹配）。"), max_length=200),
    Param("category", "string", N_("分类代码。"), max_length=10),
    Param("year", "integer", N_("年度。"), minimum=1900, maximum=2999),
    Param("retention", "string", N_("保管期限。"), enum=RETENTIONS),
    Param("carrier", "string", N_("载体。"), enum=CARRIERS),
    Param("status", "string", N_("状态。"), enum=DOCUMENT_STATUSES),
    Param("no_file", "boolean", N_("只列出没有电子文件的文件。")),
    Param("sort", "string", N_("排序：-created 最近登记，code 档号，date / -date 日期，title 题名。"),
          enum=tuple(listing.SORTS), default="-created"),
] + PAGE
FOLLOW_UP_FILTERS = [Param("open", "boolean", N_("true：只列未完成的；false：只列已完成的。"))] + PAGE


def bodies_with_roles(user):
    """[(body, the user's effective role in it)] for every body the user may see."""
    bodies = list(auth.visible_bodies(user))
    if user.role in ("admin", "transfer_officer"):
        return [(b, user.role) for b in bodies]
    roles = dict(Membership.select(Membership.body, Membership.role)
                 .where(Membership.user == user.id).tuples())
    return [(b, auth.effective_role(user.role, roles.get(b.id))) for b in bodies]


def checkins(body, page, per_page):
    """(check-ins of the page, newest first, each with .follow_ups, has a next page)."""
    query = (CheckIn.select(CheckIn, User).join(User, on=(CheckIn.liaison == User.id))
             .where(CheckIn.body == body)
             .order_by(CheckIn.scheduled_for.desc(), CheckIn.id.desc())
             .offset((page - 1) * per_page).limit(per_page + 1))
    rows = list(prefetch(query, FollowUp.select().order_by(FollowUp.due, FollowUp.id)))
    return rows[:per_page], len(rows) > per_page


def follow_ups(body, only_open, page, per_page):
    """(follow-ups of the body's check-ins on the page, by due date, has a next page)."""
    query = (FollowUp.select().join(CheckIn).where(CheckIn.body == body)
             .order_by(FollowUp.due, FollowUp.id))
    if only_open is True:
        query = query.where(FollowUp.done_on.is_null())
    elif only_open is False:
        query = query.where(FollowUp.done_on.is_null(False))
    rows = list(query.offset((page - 1) * per_page).limit(per_page + 1))
    return rows[:per_page], len(rows) > per_page


def transfers(body):
    """The body's transfers, newest first."""
    return list(Transfer.select().where(Transfer.body == body).order_by(Transfer.id.desc()))


def transfer(body, transfer_id):
    """The body's transfer with this id, or None (another body's id finds nothing)."""
    return Transfer.get_or_none(Transfer.id == transfer_id, Transfer.body == body)


def package_file(transfer_row):
    """The transfer's zipped package as a Path, or None when there is no file to send."""
    if transfer_row.status not in ("exported", "received") or not transfer_row.package_path:
        return None
    path = packaging.package_location(transfer_row)
    return path if path.is_file() else None
