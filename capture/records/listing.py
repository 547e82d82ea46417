"""Finding a body's documents: search, filters, sort and pages, in one query per page."""
import datetime as dt
import operator
from collections import namedtuple
from dataclasses import dataclass
from functools import reduce

from peewee import JOIN, fn

from capture import prepared
from capture.models import CARRIERS, DOCUMENT_STATUSES, RETENTIONS, Category, Document, File
from capture.prepared import Slot

SORTS = {
    "code": (Document.class_key, Document.item_number),
    "date": (Document.date, Document.id),
    "-date": (Document.date.desc(), Document.id.desc()),
    "-created": (Document.id.desc(),),
    "title": (Document.title, Document.id),
}


@dataclass
class Filters:
    """What the list is narrowed to and how it is ordered."""
    q: str = ""
    category: str = ""
    year: int | None = None
    retention: str = ""
    carrier: str = ""
    status: str = ""
    no_file: bool = False
    sort: str = "-created"
    page: int = 1

    @classmethod
    def from_args(cls, args):
        """Filters from query-string arguments; unknown values are ignored, not errors."""
        year = args.get("year", "")
        return cls(
            q=args.get("q", "").strip()[:200],
            category=args.get("category", "").strip()[:10],
            year=int(year) if year.isdigit() and len(year) == 4 else None,
            retention=args.get("retention", "") if args.get("retention") in RETENTIONS else "",
            carrier=args.get("carrier", "") if args.get("carrier") in CARRIERS else "",
            status=args.get("status", "") if args.get("status") in DOCUMENT_STATUSES else "",
            no_file=args.get("no_file") == "1",
            sort=args.get("sort") if args.get("sort") in SORTS else "-created",
            page=max(int(args.get("page")) if (args.get("page") or "").isdigit() else 1, 1),
        )

    def args(self):
        """The non-default filters as query arguments (for the pager and sort links)."""
        values = {"q": self.q, "category": self.category, "year": self.year or "",
                  "retention": self.retention, "carrier": self.carrier, "status": self.status,
                  "no_file": "1" if self.no_file else "", "sort": "" if self.sort == "-created" else self.sort}
        return {k: v for k, v in values.items() if v}


# What a row of the list shows: reading whole models (and their categories) for 50 rows cost
# several times the query itself.
COLUMNS = (Document.id, Document.reference_code, Document.doc_number, Document.responsible,
           Document.title, Document.title_supplied, Document.date, Document.pages,
           Document.carrier, Document.status)
Row = namedtuple("Row", [column.name for column in COLUMNS] + ["file_count"])
# The fields matched by a search, each case-insensitively anywhere in its text.
SEARCHED = (Document.title, Document.doc_number, Document.responsible, Document.reference_code)


def _shape(filters):
    """Which filters are in use and the sort: one prepared statement serves every search of a shape."""
    return (filters.sort, bool(filters.q), bool(filters.category), bool(filters.year),
            bool(filters.retention), bool(filters.carrier), bool(filters.status), filters.no_file)


def _query(shape):
    """The search query of one shape, its values left as slots."""
    sort, q, category, year, retention, carrier, status, no_file = shape
    file_count = File.select(fn.COUNT(File.id)).where(File.document == Document.id)
    query = (Document.select(*COLUMNS, file_count.alias("file_count"))
             .where(Document.body == Slot("body")))
    if q:
        query = query.where(reduce(operator.or_, [prepared.contains(f, Slot("q")) for f in SEARCHED]))
    if category:
        query = query.join(Category, on=(Document.category == Category.id)).where(
            Category.code == Slot("category"))
    if year:
        query = query.where(Document.year == Slot("year"))
    for name, used in (("retention", retention), ("carrier", carrier), ("status", status)):
        if used:
            query = query.where(getattr(Document, name) == Slot(name))
    if no_file:
        query = query.where(~fn.EXISTS(File.select(File.id).where(File.document == Document.id)))
    return query.order_by(*SORTS[sort]).limit(Slot("limit")).offset(Slot("offset"))


def search(body, filters, per_page=50):
    """(rows of the page, has a next page); each row has the listed columns and .file_count."""
    shape = _shape(filters)
    # One row more than a page tells whether a next page exists; the offset counts whole pages.
    found = prepared.rows(("document_list.search", shape), lambda: _query(shape),
                          body=body.id, q=prepared.like_pattern(filters.q),
                          category=filters.category, year=filters.year,
                          retention=filters.retention, carrier=filters.carrier,
                          status=filters.status, limit=per_page + 1,
                          offset=(filters.page - 1) * per_page)
    rows = [_row(*row) for row in found[:per_page]]
    return rows, len(found) > per_page


def _row(id, reference_code, doc_number, responsible, title, title_supplied, date, pages, carrier,
         status, file_count):
    # Only two columns need converting, and peewee's converters cost more than the query:
    # SQLite gives dates as ISO text and booleans as 0 or 1.
    return Row(id, reference_code, doc_number, responsible, title, bool(title_supplied),
               dt.date.fromisoformat(date) if isinstance(date, str) else date, pages, carrier,
               status, file_count)


def as_models(rows):
    """The page's rows as whole Document models (category joined), in the same order."""
    if not rows:
        return []
    found = {d.id: d for d in Document.select(Document, Category)
             .join(Category, JOIN.LEFT_OUTER, on=(Document.category == Category.id))
             .where(Document.id.in_([r.id for r in rows]))}
    for row in rows:
        found[row.id].file_count = row.file_count
    return [found[row.id] for row in rows]


def years(body):
    """The years the body has documents in, newest first (for the filter)."""
    return [y for (y,) in prepared.rows("document_list.years", _years, body=body.id)]


def _years():
    return (Document.select(Document.year).where(Document.body == Slot("body"))
            .distinct().order_by(Document.year.desc()))
