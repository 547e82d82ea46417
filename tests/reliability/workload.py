"""What the reliability clients do (register, list, download), what they saw, and the final audit
of the data folder: every acknowledged registration present and byte-identical, nothing half-written."""
import dataclasses
import datetime as dt
import json
import random
import re
import threading
import time
from collections import Counter, defaultdict

from harness import (CONNECTION_ERRORS, DETAIL, Client, UnexpectedResponse, file_bytes, sha256)

MIB = 1024 * 1024
FILE_LINK = re.compile(r"/bodies/\d+/documents/\d+/files/(\d+)")


@dataclasses.dataclass
class Registration:
    """A registration the server acknowledged (HTTP 302 to the new document)."""
    document_id: int
    title: str
    files: list        # [(original name, sha256, size)]
    at: float          # time.monotonic() when the acknowledgement arrived


class Ledger:
    """What every client saw, shared between threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.registered = {}
        self.responses = 0
        self.interrupted = 0   # requests cut off by a killed server (no answer at all)
        self.errors = []       # answers a user should never get

    def add(self, **counts):
        with self.lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)

    def error(self, message):
        with self.lock:
            self.errors.append(message)

    def success(self, registration):
        with self.lock:
            self.registered[registration.document_id] = registration

    def pick(self, rng):
        """A random acknowledged registration, or None."""
        with self.lock:
            if not self.registered:
                return None
            return self.registered[rng.choice(list(self.registered))]

    def acknowledged_before(self, moment):
        """Registrations acknowledged before `moment` (time.monotonic())."""
        with self.lock:
            return [r for r in self.registered.values() if r.at < moment]


class Worker:
    """One client: a login session and a random number generator of its own."""

    def __init__(self, base_url, facts, ledger, seed, big_file_every=0, tag="R"):
        self.client = Client(base_url)
        self.facts, self.ledger, self.rng = facts, ledger, random.Random(seed)
        self.big_file_every, self.tag, self.count = big_file_every, tag, 0
        self.logged_in = False
        self.body_path = f"/bodies/{facts['body_id']}"

    def _request_count(self, fn, *args):
        """Call fn; count the answers the server gave (a GET for the form token counts too)."""
        before = self.client.responses
        try:
            return fn(*args)
        finally:
            self.ledger.add(responses=self.client.responses - before)

    def login(self):
        self._request_count(self.client.login, self.facts["username"], self.facts["password"])
        self.logged_in = True

    def register(self):
        """Register one document with one or two files; record it when acknowledged."""
        self.count += 1
        rng = self.rng
        files = []
        for n in range(rng.choice((1, 1, 2))):
            big = self.big_file_every and rng.randrange(self.big_file_every) == 0
            size = rng.randint(2 * MIB, 5 * MIB) if big else rng.randint(1000, 200_000)
            files.append((f"现场记录-{self.count}-{n + 1}.dat", file_bytes(rng, size)))
        title = f"{self.tag} 可靠性测试文件 {self.count} {rng.getrandbits(48):012x}"
        fields = {"category": rng.choice(self.facts["categories"] + [""]),
                  "retention": rng.choice(("Y", "D30", "D10")),
                  "carrier": rng.choice(("electronic", "electronic", "photo", "audio-video")),
                  "doc_number": f"测试〔2026〕{self.count}号", "responsible": "可靠性测试指挥部",
                  "title": title, "date": dt.date.today().isoformat(), "pages": "1",
                  "security": "", "scope_item": "", "remarks": ""}
        status, data, headers = self._request_count(
            self.client.post_multipart, f"{self.body_path}/documents/new", fields, files)
        match = DETAIL.search(headers.get("Location", "")) if status == 302 else None
        if not match:
            raise UnexpectedResponse(status, data, "register")
        self.ledger.success(Registration(int(match.group(2)), title,
                                         [(name, sha256(d), len(d)) for name, d in files],
                                         time.monotonic()))

    def list_documents(self):
        status, data, _ = self._request_count(self.client.request, "GET",
                                              f"{self.body_path}/documents")
        if status != 200:
            raise UnexpectedResponse(status, data, "list")

    def download(self, registration=None):
        """Open a registered document and download its files; each must match what was sent."""
        registration = registration or self.ledger.pick(self.rng)
        if registration is None:
            return False
        path = f"{self.body_path}/documents/{registration.document_id}"
        status, data, _ = self._request_count(self.client.request, "GET", path)
        if status != 200:
            raise UnexpectedResponse(status, data, "detail")
        expected = Counter(sha for _name, sha, _size in registration.files)
        got = Counter()
        for file_id in sorted(set(FILE_LINK.findall(data.decode()))):
            status, content, _ = self._request_count(self.client.request, "GET",
                                                     f"{path}/files/{file_id}?download=1")
            if status != 200:
                raise UnexpectedResponse(status, content, "download")
            got[sha256(content)] += 1
        if got != expected:
            self.ledger.error(f"document {registration.document_id}: downloaded files differ "
                              "from the uploaded ones")
        return got == expected

    def run(self, stop, actions, crashes_expected):
        """Do weighted random actions until `stop` is set."""
        names, weights = zip(*actions.items())
        while not stop.is_set():
            try:
                if not self.logged_in:
                    self.login()
                getattr(self, self.rng.choices(names, weights)[0])()
            except UnexpectedResponse as exc:
                self.ledger.error(str(exc))
            except CONNECTION_ERRORS as exc:
                if not crashes_expected:
                    self.ledger.error(f"connection: {exc!r}")
                self.ledger.add(interrupted=1)
                time.sleep(0.05)  # the server is down: try again shortly, as a user would


def run_workers(base_url, facts, ledger, count, actions, stop, crashes_expected=False,
                big_file_every=0, seed=0, tag="R"):
    """Start `count` workers in threads; return the threads (join them after setting `stop`)."""
    threads = []
    for n in range(count):
        worker = Worker(base_url, facts, ledger, seed * 1000 + n, big_file_every, f"{tag}{n:02d}")
        thread = threading.Thread(target=worker.run, args=(stop, actions, crashes_expected),
                                  daemon=True)
        thread.start()
        threads.append(thread)
    return threads


@dataclasses.dataclass
class Findings:
    """What the audit of a data folder found; every list must be empty."""
    documents: int = 0
    lost: list = dataclasses.field(default_factory=list)
    half_written: list = dataclasses.field(default_factory=list)
    duplicates: list = dataclasses.field(default_factory=list)
    gaps: list = dataclasses.field(default_factory=list)
    broken_audit: list = dataclasses.field(default_factory=list)
    orphan_tmp: list = dataclasses.field(default_factory=list)
    # Not faults, but evidence of where kills landed: after the files were stored but before the
    # transaction committed (files nobody names), or after the commit but before the answer.
    unnamed_files: int = 0
    unacknowledged: int = 0


def audit_site(site, registrations, body_id):
    """Check the data folder against what clients were told."""
    from capture import audit
    from capture.models import AuditEvent, Document, File
    found = Findings()
    store = site.store
    with site.context():
        documents = {d.id: d for d in Document.select().where(Document.body == body_id)}
        files = defaultdict(list)
        for f in File.select().join(Document).where(Document.body == body_id).order_by(File.id):
            files[f.document_id].append(f)
        registered_events = {
            int(e.object_id): e for e in AuditEvent.select().where(
                AuditEvent.action == "document.register", AuditEvent.body == body_id)}
        count, broken = audit.verify_database()
        if broken is not None:
            found.broken_audit.append(f"event {broken.id} ({broken.action}) of {count}")
    found.documents = len(documents)
    for registration in registrations:
        document = documents.get(registration.document_id)
        stored = sorted((f.original_name, f.sha256, f.size) for f in files.get(registration.document_id, []))
        if document is None or document.title != registration.title:
            found.lost.append(f"document {registration.document_id} ({registration.title}) is missing")
        elif stored != sorted(registration.files):
            found.lost.append(f"document {registration.document_id}: files {stored} "
                              f"but {sorted(registration.files)} were uploaded")
    for document_id, document in documents.items():
        event = registered_events.get(document_id)
        rows = files.get(document_id, [])
        if event is None:
            found.half_written.append(f"{document.reference_code}: no registration in the audit trail")
        elif sorted(f["sha256"] for f in json.loads(event.details)["files"]) != \
                sorted(f.sha256 for f in rows):
            found.half_written.append(f"{document.reference_code}: files differ from its audit event")
        for f in rows:
            if store.hash_of(f.sha256) != f.sha256:
                found.half_written.append(f"{document.reference_code}: {f.original_name} is "
                                          "missing or damaged in the store")
    by_class = defaultdict(list)
    for document in documents.values():
        by_class[document.class_key].append(document.item_number)
    for key, numbers in sorted(by_class.items()):
        repeated = sorted(n for n, c in Counter(numbers).items() if c > 1)
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        if repeated:
            found.duplicates.append(f"{key}: {repeated}")
        if missing:
            found.gaps.append(f"{key}: {missing[:20]}")
    found.orphan_tmp = sorted(p.name for p in store.tmp.iterdir())
    named = {f.sha256 for rows in files.values() for f in rows}
    found.unnamed_files = len(set(store.all_digests()) - named)
    found.unacknowledged = len(set(documents) - {r.document_id for r in registrations})
    return found
