"""Benchmark 1: exporting a body of 2,000 items (~1 GiB) to a directory package, against copying
the files and bagging them with the Library of Congress `bagit` (make_bag, sha256), and against the
export's own CPU floor: the reading, hashing and writing it must do, on two cores."""
import datetime as dt
import functools
import hashlib
import io
import itertools
import json
import os
import random
import shutil
import struct
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import bagit
from PIL import Image

from capture import audit
from capture.models import AuditEvent, Body, CheckIn, Document, File, ScopeItem
from capture.ops import samples
from capture.records import scope

from . import data
from .common import PYTHON, ROOT, Report, capture_cli, environment, growth, scratch

MIB = 1024 * 1024
ITEMS = 2_000
VIDEOS = 10
VIDEO_MIB = 60
ROUNDS = 3


def pdf_template():
    """A one-page PDF/A of about 200 KB (a long text, as a scanned report's OCR layer would be)."""
    lines = [f"第{n}行 situation report line {n:05d} " + "x" * 40 for n in range(3200)]
    return samples.pdf("Situation report", lines)


def jpeg_template():
    """A 200 KB photo (noise compresses about as badly as a real photograph)."""
    rng = random.Random(7)
    image = Image.frombytes("RGB", (420, 320), bytes(rng.getrandbits(8) for _ in range(420 * 320 * 3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def video(seed, size):
    """An MP4 container (ftyp, moov) with `size` bytes of random media data."""
    mdat = random.Random(seed).randbytes(size)
    return samples.mp4()[:-8] + struct.pack(">I", 8 + len(mdat)) + b"mdat" + mdat


def vary(kind, content, n):
    """The same file made different by a few bytes, so that every item has its own digest."""
    if kind == "jpeg":  # a comment segment right after the start-of-image marker
        comment = f"item {n}".encode()
        return content[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + content[2:]
    return content + f"% item {n}\n".encode()  # after %%EOF: readers ignore it


def kind_of(n, count):
    """Ten videos spread through the body; of the rest, two in three PDFs and one in three photos."""
    if n % (count // VIDEOS) == count // VIDEOS // 2:
        return "mp4"
    return "jpeg" if n % 3 == 2 else "pdf"


FORMATS = {"pdf": ("electronic", "application/pdf", "fmt/354", "Acrobat PDF/A - 1b", ".pdf"),
           "jpeg": ("photo", "image/jpeg", "fmt/43", "JPEG File Interchange Format 1.01", ".jpg"),
           "mp4": ("audio-video", "video/mp4", "fmt/199", "MPEG-4 Media File", ".mp4")}


def store_files(store, count):
    """Write the files of `count` items into the store; return [(kind, sha256, size)] in item order."""
    templates = {"pdf": pdf_template(), "jpeg": jpeg_template()}
    found = []
    for n in range(count):
        kind = kind_of(n, count)
        content = video(n, VIDEO_MIB * MIB) if kind == "mp4" else vary(kind, templates[kind], n)
        sha = hashlib.sha256(content).hexdigest()
        path = store.path(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        found.append((kind, sha, len(content)))
    return found


def body_with_items(code, n, files, user_id):
    """A dissolved body whose first items carry `files`, with its scope filed, a register audit
    trail and a guidance history; return its code."""
    [body_id] = data.bodies(1, status="dissolved", prefix=code, start=n)
    body = Body.get_by_id(body_id)
    body.dissolved_on, body.custodian = data.TODAY, "区档案馆"
    body.save()
    scope.seed(body)
    scope_ids = [s for (s,) in ScopeItem.select(ScopeItem.id).where(ScopeItem.body == body)
                 .order_by(ScopeItem.sort).tuples()]
    kinds = [kind for kind, _sha, _size in files]
    rows = data.document_rows(body_id, body.fonds_code, user_id, len(files),
                              carriers=lambda i: FORMATS[kinds[i]][0])
    for row, scope_id in zip(rows, scope_ids):
        row["scope_item"] = scope_id
    for row in rows:
        row["date"] = min(row["date"], data.TODAY)
    data.bulk(Document, rows)
    ids = [d for (d,) in Document.select(Document.id).where(Document.body == body_id)
           .order_by(Document.id).tuples()]
    data.bulk(File, ({"document": doc_id, "original_name": f"{rows[i]['title']}{FORMATS[kind][4]}",
                      "sha256": sha, "size": size, "media_type": FORMATS[kind][1],
                      "puid": FORMATS[kind][2], "format_name": FORMATS[kind][3], "long_term": True,
                      "created_by": user_id}
                     for i, (doc_id, (kind, sha, size)) in enumerate(zip(ids, files))))
    data.bulk(CheckIn, ({"body": body_id, "liaison": user_id, "status": "held", "notes": "检查归档情况",
                         "scheduled_for": data.NOW.replace(microsecond=0) - dt.timedelta(days=7 * k)}
                        for k in range(1, 30)))
    register_trail(body, ids, rows, user_id)
    return body.code


def register_trail(body, ids, rows, user_id):
    """One chained "document.register" audit event per item, as registering them would leave."""
    last = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    prev, body_prev = (last.hash if last else audit.GENESIS), audit.GENESIS
    events = []
    for doc_id, row in zip(ids, rows):
        event = AuditEvent(at=row["created_at"], user=user_id, username="bench", body=body.id,
                           action="document.register", object_type="Document", object_id=str(doc_id),
                           details=json.dumps({"reference_code": row["reference_code"], "title": row["title"]},
                                              ensure_ascii=False, sort_keys=True),
                           prev_hash=prev, body_prev_hash=body_prev)
        event.hash = audit.compute_hash(event)
        prev = body_prev = event.hash
        events.append(event.__data__)
    data.bulk(AuditEvent, events)


def populate(data_dir, sizes, database_url=None):
    """One body per size sharing the same stored files; return {size: body code}."""
    with data.app_on(data_dir, database_url) as app:
        files = store_files(app.extensions["store"], max(sizes))
        user_id = data.users("transfer_officer", 1, "officer")[0]
        codes = {size: body_with_items("EX", n, files[:size], user_id) for n, size in enumerate(sizes)}
        data.settle()
    return codes, files


def required_work(sources, target):
    """What no export can skip: read, hash (SHA-256 and SM3, the package's two manifests) and
    write each file once, with two threads."""
    target.mkdir()

    def one(job):
        n, source = job
        digest, sm3 = hashlib.sha256(), hashlib.new("sm3")
        with open(source, "rb") as src, open(target / f"{n:05d}", "wb") as out:
            while chunk := src.read(MIB):
                digest.update(chunk)
                sm3.update(chunk)
                out.write(chunk)
        return digest.hexdigest()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, enumerate(sources)))


def copy_and_bag(sources, target, checksums):
    """Baseline: copy the files into a folder, then make it a bag with bagit's make_bag."""
    target.mkdir()
    for n, source in enumerate(sources):
        shutil.copyfile(source, target / f"{n:05d}")
    bagit.make_bag(str(target), checksums=checksums)


def sm3_speed():
    """MiB/s of SM3 over data in memory, per second of CPU (others' work on the machine slows
    the wall clock, hardly this)."""
    data = os.urandom(32 * MIB)
    start = time.thread_time()
    for _ in range(3):
        hashlib.new("sm3", data).digest()
    return 3 * 32 / (time.thread_time() - start)


def export_in_child(data_dir, code, out_dir):
    """(seconds, peak RSS MiB, CPU seconds) of one export, in a process of its own so its memory
    is its own."""
    os.sync()
    result = subprocess.run([PYTHON, "-m", "bench.export_child", code, str(out_dir)], cwd=ROOT,
                            env=environment(data_dir), capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"export of {code} failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return figures["seconds"], figures["peak_rss_mib"], figures["cpu_seconds"]


def timed(fn, *args):
    """(seconds, CPU seconds of every thread) of fn(*args)."""
    os.sync()  # what earlier steps wrote is on disk: no run pays for another's write-back
    start, cpu_start = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - start, time.process_time() - cpu_start


def retire(folder):
    """Free the bytes a run wrote but keep its files until the benchmark ends.

    Deleting them at once would slow the next run: ext4 without a journal (as here) skips inodes
    freed in the last 30 s when it allocates new ones, checking each in turn, so every file and
    folder the next contestant made paid for the ones just deleted, and whoever followed the
    biggest deletion paid most.
    """
    for parent, _folders, names in os.walk(folder):
        for name in names:
            os.truncate(os.path.join(parent, name), 0)


def run(quick=False):
    """Print the export's time and memory against the two baselines."""
    full = 200 if quick else ITEMS
    sizes = [full // 4, full // 2, full]
    work = scratch("export")
    codes, files = populate(work / "data", sizes)
    for code in codes.values():  # the pre-transfer check a transfer officer runs before exporting
        capture_cli(work / "data", "check", code, "--operator", "bench")
    total = sum(size for _kind, _sha, size in files)
    report = Report(f"Export: {full:,} items, {total / MIB:,.0f} MiB, to a directory package")
    store = work / "data" / "store"
    sources = [store / sha[:2] / sha[2:4] / sha for _kind, sha, _size in files]
    subprocess.run(["cat", *map(str, sources)], stdout=subprocess.DEVNULL, check=True)  # page cache

    runs = itertools.count()

    def baseline(fn, name):
        folder = work / f"{name}-{next(runs)}"
        figures = timed(fn, sources, folder)
        retire(folder)
        return figures

    def ours(size):
        out = work / f"out-{size}-{next(runs)}"
        figures = export_in_child(work / "data", codes[size], out)
        retire(out)
        return figures

    # Rounds of all four in turn, the best of each counting: a busy moment of the machine then
    # slows one round of everything rather than one contestant.
    bag_sha256 = functools.partial(copy_and_bag, checksums=["sha256"])
    bag_both = functools.partial(copy_and_bag, checksums=["sha256", "sm3"])
    rounds = [(baseline(bag_sha256, "b"), baseline(bag_both, "c"), baseline(required_work, "a"),
               ours(full)) for _ in range(ROUNDS)]
    bagged, bagged_cpu = min(r[0] for r in rounds)
    bagged_both, bagged_both_cpu = min(r[1] for r in rounds)
    required, required_cpu = min(r[2] for r in rounds)
    seconds, _peak, cpu = min(r[3] for r in rounds)
    results = {size: ours(size) for size in sizes[:-1]}
    results[full] = (seconds, max(r[3][1] for r in rounds))
    growth(report, "growth of the export, seconds", lambda size: results[size][0], sizes)
    # The package carries an SM3 manifest beside the SHA-256 one (docs/architecture.md, exporters/bag.py
    # ALGORITHMS), so the like-for-like baseline is make_bag with both: the same manifests. SM3
    # runs at about an eighth of SHA-256's speed here; the SHA-256-only bag is printed beside it.
    report.ratio("export vs copy + bagit.make_bag(sha256, sm3)", seconds, bagged_both, 1.1)
    report.note(f"copy + bagit.make_bag(sha256) alone, a lighter bag than the package: "
                f"{bagged:.2f} s, ratio {seconds / bagged:.2f}")
    # CPU time hardly changes with others' work on the machine, the wall clock does.
    report.note(f"CPU seconds: make_bag(sha256) {bagged_cpu:.2f}, make_bag(sha256, sm3) "
                f"{bagged_both_cpu:.2f}, ours {cpu:.2f}")
    # CPU floor: the export must read every file, hash it with SHA-256 and SM3 and write it; done
    # alone on two threads that costs `required_cpu` of CPU, and two cores cannot do it in less
    # than half of that. The export's own CPU time (the same work plus loading the items, the
    # catalogue, the forms, the metadata) halved is the earliest it could end on two cores.
    payload_mib = sum(size for _kind, _sha, size in files) / MIB
    sm3 = sm3_speed()
    report.note(f"CPU floor, 2 cores: reading, hashing (SHA-256 and SM3, both required) and writing "
                f"every file take {required_cpu:.2f} s of CPU ({required:.2f} s on 2 threads), so no "
                f"export ends before {required_cpu / 2:.2f} s, {required_cpu / 2 / bagged:.2f}× "
                f"make_bag(sha256); SM3 alone runs at {sm3:.0f} MiB per CPU second here, "
                f"{payload_mib / sm3:.2f} s of CPU for {payload_mib:.0f} MiB")
    report.note(f"ours used {cpu:.2f} s of CPU, so it cannot end before {cpu / 2:.2f} s; it took "
                f"{seconds:.2f} s, {seconds / (cpu / 2):.2f}× its own floor, "
                f"{seconds / (required_cpu / 2):.2f}× the required work's")
    report.note("peak RSS at ¼, ½, full: " + ", ".join(f"{results[s][1]:.0f} MiB" for s in sizes))
    report.limit("export peak RSS", max(r[1] for r in results.values()), 200, "MiB")
    shutil.rmtree(work)
    return report.passed
