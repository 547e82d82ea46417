"""Benchmark 6: bulk import of 10,000 catalogue rows (no files), against a bare peewee insert.

Ours: `importer.run` from the CSV's bytes (read, check every row as the web form does, number,
register with audit events, all or nothing). Baseline: peewee `insert_many` of the same rows,
already cleaned and numbered, in one transaction. Also printed: the longest the import held
the write lock (its one transaction), against the one-second aim of issue 16, without files and
with a file on each row (10,000 more rows to insert under the lock).
"""
import csv
import io
import shutil
import time
import zipfile

from capture.db import db
from capture.models import Document, Membership
from capture.records import registry, scope
from capture.records.imports import bulk, importer, sources

from . import data
from .common import Report, best_of, growth, scratch

HEADER = ["序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注", "分类", "保管期限", "载体", "文件名"]


def catalogue(rows, with_files=False):
    """A plain catalogue: two categories, three retention periods, no files (or one a row,
    named n.txt)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(1, rows + 1):
        writer.writerow([n, "", f"沪疫指〔2026〕{n}号", "区防控指挥部", f"关于第{n}号事项的通知",
                         f"2026{1 + n % 9:02d}{1 + n % 28:02d}", "", "3", "", ["ZH", ""][n % 2],
                         ["永久", "30年", "10年"][n % 3], "电子", f"{n}.txt" if with_files else ""])
    return out.getvalue().encode("utf-8")


def files_zip(path, rows):
    """A zip of the small text file each row of catalogue(rows, with_files=True) names."""
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(1, rows + 1):
            archive.writestr(f"{n}.txt", f"第{n}号事项的通知正文。\n".encode())
    return path


class Bodies:
    """A fresh body for each round, so that every round imports the same rows as new."""

    def __init__(self, secretary):
        self.secretary, self.count = secretary, 0

    def next(self):
        """A new body with its categories, the secretary a member of it."""
        self.count += 1
        [body_id] = data.bodies(1, prefix=f"IMP{self.count:03d}-", start=self.count + 10)
        from capture.models import Body
        body = Body.get_by_id(body_id)
        scope.seed(body)
        Membership.create(user=self.secretary, body=body, role="secretary")
        return body


def run(quick=False, size=None):
    """Print the import's time against the bare insert, and its longest write transaction."""
    rows = size or (1_000 if quick else 10_000)
    report = Report(f"Import: {rows:,} catalogue rows without files (and once with a file on each)")
    work = scratch("imports")
    with data.app_on(work) as app:
        from capture.models import User
        [secretary_id] = data.users("secretary", 1, "importer")
        bodies = Bodies(User.get_by_id(secretary_id))
        table = catalogue(rows)
        held = []
        timed_register = bulk.register

        def register(*args):
            start = time.perf_counter()
            try:
                return timed_register(*args)
            finally:
                held.append(time.perf_counter() - start)
        bulk.register = register

        def ours(count=rows, data_bytes=None, files=None):
            body = bodies.next()
            header, values = sources.read_table(data_bytes or table, "目录.csv")
            source = sources.open_files(files, 10**10) if files else None
            result = importer.run(body, bodies.secretary, header, values, source, app.extensions["store"])
            assert result.ok and len(result.imported) == count, result.errors[:3]

        def baseline():
            body = bodies.next()
            header, values = sources.read_table(table, "目录.csv")
            checked = importer.check(body, header, values)  # cleaned rows, not timed below
            prepared, _rows, _files = bulk.prepare(body, bodies.secretary, checked.rows, {})
            documents = []
            following = {}
            for item in prepared:
                columns = dict(item.columns)
                key = columns["class_key"]
                following[key] = following.get(key, 0) + 1
                columns["item_number"] = following[key]
                columns["reference_code"] = registry.reference_code(body.fonds_code, key, following[key])
                documents.append(columns)
            start = time.perf_counter()
            with db.atomic():
                for first in range(0, len(documents), data.CHUNK):
                    Document.insert_many(documents[first:first + data.CHUNK]).execute()
            return time.perf_counter() - start

        ours_time = best_of(ours)
        base_time = min(baseline() for _ in range(3))
        report.ratio(f"import of {rows:,} rows vs bare insert_many", ours_time, base_time, 5.0)
        report.limit("longest write transaction of the import", max(held), 1.0, "s")
        report.note(f"the import's write transaction: {', '.join(f'{s:.2f}' for s in held)} s")
        del held[:]
        # Once: storing 10,000 files (each identified by fido and fsynced) takes minutes.
        ours(rows, catalogue(rows, with_files=True), files_zip(work / "files.zip", rows))
        report.limit("its write transaction with a file on each row", held[0], 1.0, "s")
        del held[:]
        growth(report, "growth of the import, seconds",
               lambda n: best_of(lambda: ours(n, catalogue(n)), repeat=1), [rows // 4, rows // 2, rows])
        bulk.register = timed_register
    shutil.rmtree(work)
    return report.passed
