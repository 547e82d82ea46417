"""Benchmark 4: the document list and the liaison dashboard under 8 concurrent clients, against a
trivial endpoint of the same app under the same load (gunicorn, 2 workers)."""
import datetime as dt
import json
import shutil
import subprocess
from urllib.parse import quote

from capture.models import (Body, Category, CheckIn, Commitment, Document, File, FollowUp,
                            Membership, ScopeItem)
from capture.records import scope

from . import data
from .common import PYTHON, ROOT, Report, growth, gunicorn, percentile, scratch
from .http import Session

BODIES = 100
CLIENTS = 8
SECONDS = 5
MAX_REQUESTS = 20_000


def populate(bodies_count, documents_per_body, checkins_per_body):
    """Bodies seeded with their categories and scope; documents with a file each (one in 20
    without); check-ins, follow-ups and commitments; a liaison over every body, a secretary each."""
    hashed = data.password_hash()
    liaison = data.users("liaison", 1, "liaison", hashed)[0]
    secretaries = data.users("secretary", bodies_count, "sec", hashed)
    body_ids = data.bodies(bodies_count)
    for body in Body.select():
        scope.seed(body)
    categories, scope_items = {}, {}
    for category_id, body_id, code in (Category.select(Category.id, Category.body, Category.code)
                                       .order_by(Category.sort).tuples()):
        categories.setdefault(body_id, []).append((category_id, code))
    for scope_id, body_id in ScopeItem.select(ScopeItem.id, ScopeItem.body).order_by(ScopeItem.sort).tuples():
        scope_items.setdefault(body_id, []).append(scope_id)
    members, documents, checkins, commitments = [], [], [], []
    now = data.NOW
    for n, body_id in enumerate(body_ids):
        members += [{"user": liaison, "body": body_id, "role": "liaison"},
                    {"user": secretaries[n], "body": body_id, "role": "secretary"}]
        rows = data.document_rows(body_id, data.fonds_code(n), secretaries[n], documents_per_body,
                                  categories=categories[body_id][:4])
        for row, scope_id in zip(rows, scope_items[body_id][:-1]):  # all filed but the work summary
            row["scope_item"] = scope_id
        documents += rows
        for i in range(checkins_per_body):
            offset = dt.timedelta(days=7 * (i - checkins_per_body + 2) + n % 7, hours=1)
            status = "held" if i < checkins_per_body - 2 else "scheduled"
            checkins.append({"body": body_id, "liaison": liaison, "scheduled_for": now + offset,
                             "status": status, "notes": "检查归档范围执行情况"})
        if n % 4 == 0:
            commitments.append({"body": body_id, "what": "工作总结", "promised_by": "王秘书",
                                "due": data.TODAY + dt.timedelta(days=n % 20 - 10), "created_by": liaison})
    data.bulk(Membership, members)
    data.bulk(Document, documents)
    data.bulk(CheckIn, checkins)
    data.bulk(Commitment, commitments)
    data.bulk(File, ({"document": doc_id, "original_name": f"{code}.pdf", "sha256": f"{doc_id:064x}",
                      "size": 200_000, "media_type": "application/pdf", "puid": "fmt/354",
                      "format_name": "PDF/A-1b", "long_term": True, "created_by": liaison}
                     for doc_id, code in Document.select(Document.id, Document.reference_code).tuples()
                     if doc_id % 20))
    # A follow-up from every held check-in, due a week later; done, except after the latest one.
    held = (CheckIn.select(CheckIn.id, CheckIn.body, CheckIn.scheduled_for).where(CheckIn.status == "held")
            .order_by(CheckIn.body, CheckIn.scheduled_for).tuples())
    latest = {body_id: checkin_id for checkin_id, body_id, _when in held}
    data.bulk(FollowUp, ({"checkin": checkin_id, "action": "补登会议纪要", "owner": "王秘书",
                          "due": when.date() + dt.timedelta(days=7),
                          "done_on": None if latest[body_id] == checkin_id else when.date() + dt.timedelta(days=3)}
                         for checkin_id, body_id, when in held))
    return body_ids[0]


def load(url, cookie, paths):
    """Run the load client in its own process; return (p95 ms, requests per second)."""
    result = subprocess.run([PYTHON, "-m", "bench.load", url, str(CLIENTS), str(SECONDS),
                             str(MAX_REQUESTS), cookie, *paths],
                            cwd=ROOT, check=True, capture_output=True, text=True)
    figures = json.loads(result.stdout)
    if figures["errors"] or not figures["requests"]:
        raise RuntimeError(f"{figures['errors']} failed requests on {paths[0]}")
    return percentile(figures["latencies"], 95) * 1000, figures["requests"] / figures["seconds"]


def list_paths(body_id):
    """The document list as people use it: first page, a search, filters, a later page, a sort."""
    base = f"/bodies/{body_id}/documents"
    year = data.TODAY.year
    return [base, f"{base}?q={quote('疫情防控')}", f"{base}?year={year}&retention=Y",
            f"{base}?q={quote('会议纪要')}&carrier=electronic&page=2", f"{base}?page=7",
            f"{base}?sort=code&page=3"]


def measure(work, documents_per_body):
    """{page: (p95 ms, requests/s)} for healthz, the list and the dashboard at one data size."""
    folder = work / str(documents_per_body)
    with data.app_on(folder):
        body_id = populate(BODIES, documents_per_body, max(4, documents_per_body // 50))
        data.settle()
    results = {}
    with gunicorn(folder, workers=2) as (url, _pid):
        secretary, liaison = Session(url), Session(url)
        secretary.login("sec00001", data.PASSWORD)
        liaison.login("liaison00001", data.PASSWORD)
        pages = {"trivial endpoint": ("", ["/healthz"]),
                 "document list": (secretary.cookie_header(), list_paths(body_id)),
                 "liaison dashboard": (liaison.cookie_header(), ["/guidance"])}
        for name, (cookie, paths) in pages.items():
            for path in paths:  # each page once, so that its first-time costs stay out of the figures
                status, _body, _headers = (liaison if "guidance" in path else secretary).request("GET", path)
                if status != 200:
                    raise RuntimeError(f"GET {path}: HTTP {status}")
            results[name] = load(url, cookie, paths)
    return results


def run(quick=False):
    """Print p95 and throughput of the list and the dashboard against the trivial endpoint."""
    full = 100 if quick else 1_000
    report = Report(f"Pages under load: {BODIES} bodies × {full:,} documents, {CLIENTS} clients, "
                    "gunicorn 2 workers")
    work = scratch("pages")
    sizes = {}

    def at(size):
        sizes[size] = measure(work, size)
        return sizes[size]["document list"][0]

    growth(report, "growth of the list's p95 (ms) with documents per body", at, [full // 4, full // 2, full])
    report.note("growth of the dashboard's p95 (ms): " + ", ".join(
        f"{size}: {figures['liaison dashboard'][0]:.1f}" for size, figures in sizes.items()))
    figures = sizes[full]
    trivial_p95, trivial_rate = figures["trivial endpoint"]
    report.note(f"trivial endpoint (/healthz): p95 {trivial_p95:.1f} ms, {trivial_rate:.0f} requests/s")
    for name in ("document list", "liaison dashboard"):
        p95, rate = figures[name]
        report.limit(f"{name} p95", p95, 50, "ms")
        report.ratio(f"{name} throughput", rate, trivial_rate, 0.25, better="higher", unit="r/s")
    shutil.rmtree(work)
    return report.passed
