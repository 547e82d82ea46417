"""What a file is, established once from its bytes and kept on its File row: the format (a claim
of PDF/A verified or refuted), the page count and the inspection. The form, the check, the
package and the API read these columns; nothing works them out again on its own."""
import json
import re

from capture import audit
from capture.db import db
from capture.i18n import fill, kept_text

from . import usability

# PRONOM's plain PDF of each version: what a file claiming PDF/A is when the claim fails.
PLAIN_PDF = {"1.0": "fmt/14", "1.1": "fmt/15", "1.2": "fmt/16", "1.3": "fmt/17", "1.4": "fmt/18",
             "1.5": "fmt/19", "1.6": "fmt/20", "1.7": "fmt/276", "2.0": "fmt/1129"}
PDF_VERSION = re.compile(rb"%PDF-(\d\.\d)")
CLAIM_CODES = {"USE-PDFA"}
FIELDS = ("media_type", "puid", "format_name", "long_term", "pages", "claimed", "claim_finding",
          "inspection")


def establish(path, original_name, identification):
    """The fact columns of a File row for the bytes at `path` (identified by formats.identify)."""
    return settle(path, identification, usability.inspect(path, original_name))


def settle(path, identification, inspection):
    """The fact columns from what the identification says and what opening the file showed.

    A claim the file does not keep (a PDF/A flag without OutputIntent or embedded fonts) is
    recorded as the claim and its finding; the format is then what the file is, not long-term.
    """
    facts = {"media_type": identification.media_type, "puid": identification.puid,
             "format_name": identification.format_name, "long_term": identification.long_term,
             "pages": inspection.pages, "claimed": "", "claim_finding": "",
             "inspection": usability.remember(inspection)}
    refuted = [problem for code, _severity, problem in inspection.problems if code in CLAIM_CODES]
    if refuted:
        facts["claimed"] = " ".join(x for x in (identification.puid, identification.format_name) if x) \
            or "PDF/A"
        facts["claim_finding"] = json.dumps(refuted[0], ensure_ascii=False)
        version = _pdf_version(path)
        facts["puid"] = PLAIN_PDF.get(version, "")
        facts["format_name"] = f"PDF {version}" if version else "PDF"
        facts["long_term"] = False
    elif inspection.kind == "pdfa":
        facts["claimed"] = " ".join(x for x in (identification.puid, identification.format_name) if x)
    return facts


def identification_of(file):
    """What formats.identify said of a File row's bytes (its claim, when one was refuted)."""
    from .formats import Identification
    if file.claim_finding and file.claimed:
        puid, _, name = file.claimed.partition(" ")
        return Identification(puid if puid.startswith(("fmt/", "x-fmt/")) else "",
                              name if puid.startswith(("fmt/", "x-fmt/")) else file.claimed,
                              file.media_type, True)
    return Identification(file.puid, file.format_name, file.media_type, file.long_term)


def apply(file, facts):
    """Set the fact columns on a File row (not saved)."""
    for name, value in facts.items():
        setattr(file, name, value)
    return file


def finding_text(file, archival=False):
    """Why a File's claimed format was refuted, in the reader's language (or in Chinese for the
    package); "" when there is no refuted claim."""
    if not file.claim_finding:
        return ""
    try:
        kept = json.loads(file.claim_finding)
    except ValueError:
        return file.claim_finding
    if archival:
        return fill(kept["msgid"], kept.get("params"), str, "zh_Hans")
    return kept_text(file.claim_finding)


def outdated(files):
    """The files whose facts were not established by today's readers (or never were)."""
    return [f for f in files if usability.remembered(f.inspection) is None]


def backfill(store, files):
    """Establish again the facts of each file given whose bytes are in the store; return how many
    were set and the files missing from the store (the fixity pass names those)."""
    done, missing = 0, []
    for f in files:
        path = store.path(f.sha256)
        if not path.is_file():
            missing.append(f)
            continue
        facts = settle(path, identification_of(f), usability.inspect(path, f.original_name))
        changed = {name: [getattr(f, name), value] for name, value in facts.items()
                   if name != "inspection" and getattr(f, name) != value}
        with db.atomic():
            apply(f, facts).save(only=[getattr(type(f), name) for name in FIELDS])
            if changed:
                audit.record("file.facts", f, changed, body=f.document.body)
        done += 1
    return done, missing


def _pdf_version(path):
    with open(path, "rb") as f:
        found = PDF_VERSION.search(f.read(1024))
    return found.group(1).decode() if found else ""
