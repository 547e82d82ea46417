"""Finding a body's documents: search, filters, sort and pages, in one query per page."""
from dataclasses import dataclass

from peewee import JOIN, fn

from .models import CARRIERS, DOCUMENT_STATUSES, RETENTIONS, Category, Document, File

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


def search(body, filters, per_page=50):
    """(rows of the page, has a next page); each row has the listed columns and .file_count."""
    file_count = (File.select(fn.COUNT(File.id)).where(File.document == Document.id))
    query = Document.select(*COLUMNS, file_count.alias("file_count")).where(Document.body == body)
    if filters.q:
        q = filters.q  # contains() escapes % and _ and matches case-insensitively
        query = query.where(Document.title.contains(q) | Document.doc_number.contains(q)
                            | Document.responsible.contains(q) | Document.reference_code.contains(q))
    if filters.category:
        query = query.join(Category, on=(Document.category == Category.id)).where(
            Category.code == filters.category)
    if filters.year:
        query = query.where(Document.year == filters.year)
    for name in ("retention", "carrier", "status"):
        if getattr(filters, name):
            query = query.where(getattr(Document, name) == getattr(filters, name))
    if filters.no_file:
        query = query.where(~fn.EXISTS(File.select(File.id).where(File.document == Document.id)))
    # One row more than a page tells whether a next page exists; the offset counts whole pages.
    rows = list(query.order_by(*SORTS[filters.sort])
                .offset((filters.page - 1) * per_page).limit(per_page + 1).namedtuples())
    return rows[:per_page], len(rows) > per_page


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
    return [y for (y,) in Document.select(Document.year).where(Document.body == body)
            .distinct().order_by(Document.year.desc()).tuples()]
