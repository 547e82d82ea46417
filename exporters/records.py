"""The plain data the exporters take: built by a service from the database, or by hand in tests."""
import datetime as dt
import re
from dataclasses import dataclass, field

# XML 1.0 cannot carry most control characters; the check reports them, the writers drop them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text):
    """`text` as a string without the characters XML (and so .docx/.xlsx) cannot hold."""
    return _NOT_XML.sub("", "" if text is None else str(text))


@dataclass
class Fonds:
    """The body whose records are transferred, as the fonds they form."""
    fonds_code: str
    body_code: str
    body_name: str
    lead_org: str = ""
    custodian: str = ""
    contact_person: str = ""
    established_on: dt.date | None = None
    dissolved_on: dt.date | None = None


@dataclass
class FileEntry:
    """One digital file of an item and where it goes in the package."""
    original_name: str
    bag_path: str          # relative to the bag's root, e.g. data/files/J001-…-0001/01-x.pdf
    size: int
    sha256: str
    source: str = ""       # where the bytes are read from (the store)
    media_type: str = ""
    puid: str = ""
    format_name: str = ""
    long_term: bool = False
    sm3: str = ""          # filled as the file is copied into the package
    pages: int | None = None   # read from the file (PDF, OFD, TIFF); None: nothing to count
    claimed: str = ""      # a format the file claims, e.g. "fmt/354 PDF/A-1b"
    claim_finding: str = ""    # why the claim failed, in words; "" when it held (or none)


@dataclass
class Item:
    """One item (件) with its DA/T 46 metadata."""
    seq: int
    reference_code: str
    fonds_code: str
    body_name: str
    record_class: str
    year: int
    retention: str
    category_code: str
    category_name: str
    item_number: int
    doc_number: str
    responsible: str
    title: str
    date: dt.date
    pages: int
    security: str
    carrier: str
    status: str
    remarks: str
    title_supplied: bool = False
    category_sort: int = 0     # the body's own order of its 机构（问题）
    events: list = field(default_factory=list)  # (行为, aware time, by whom, note), oldest first
    created_by: str = ""
    created_at: dt.datetime | None = None
    updated_by: str = ""
    updated_at: dt.datetime | None = None
    withdrawn_by: str = ""
    withdrawn_at: dt.datetime | None = None
    withdrawn_reason: str = ""
    files: list = field(default_factory=list)

    @property
    def display_title(self):
        """The title as the catalogue prints it: a supplied title in [ ]."""
        return f"[{self.title}]" if self.title_supplied else self.title

    @property
    def date8(self):
        """The date as 8 digits, YYYYMMDD."""
        return self.date.isoformat().replace("-", "")  # strftime is five times slower, per cell
