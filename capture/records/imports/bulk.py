"""Registering an import's checked rows in one short transaction.

Everything that can be worked out beforehand is (rows cleaned and checked, files stored, the
documents' columns and audit details built), so that the transaction only numbers the rows,
inserts them with one prepared statement per table and chains their audit events: 10,000
rows in 1–4 s on a slow, busy host (README, benchmark 6), where registering them one by one
held the write lock for a minute.
The numbering is the web form's: one past the highest item number of each class, read under
the same lock (registry.class_key, lock_until_commit), so 档号 stay gap-free and unique.
"""
import json
from dataclasses import dataclass
from json.encoder import encode_basestring  # json.dumps(a str, ensure_ascii=False)

from peewee import fn

from capture import audit
from capture.db import Rows, db, insert_rows, lock_until_commit
from capture.models import Document, File, next_item_number
from capture.clock import utc_now
from capture.records import files, registry, validation

PAGE = 500  # ids in one IN (...) list


def prepare(body, user, rows, stored):
    """The documents' columns, their files and the fixed part of their audit details, built
    before the transaction."""
    at = utc_now()
    prepared = []
    for row in rows:
        clean = row.clean
        uploads = stored.get(row.number, [])
        counted = registry.counted_pages(u.pages for u in uploads)
        if not clean["pages"] and counted and clean["carrier"] in registry.PAGED_CARRIERS:
            clean["pages"] = counted  # a row without 页数 takes the pages read from its files
        code = validation.record_class(clean["carrier"])
        columns = {name: clean[name] for name in validation.ALL_FIELDS}
        columns.update(body=body.id, category=clean["category"].id if clean["category"] else None,
                       scope_item=clean["scope_item"].id if clean["scope_item"] else None,
                       record_class=code, year=clean["date"].year,
                       class_key=registry.class_key(code, clean["date"].year, clean["retention"],
                                                    clean["category"]),
                       created_by=user.id, updated_by=user.id, created_at=at, updated_at=at,
                       status="registered", import_key=row.key)
        # The details registry.register_document records, in record()'s form, less the 档号
        # and file ids that the transaction gives.
        fields = audit.details_json(_snapshot(clean))
        prepared.append(Prepared(columns, uploads, fields, json.dumps(clean["title"], ensure_ascii=False),
                                 [_described_after_id(upload) for upload in uploads]))
    file_columns = [{"original_name": upload.original_name, "sha256": upload.sha256, "size": upload.size,
                     **upload.facts, "version": 1, "replaces": None,
                     "created_by": user.id, "created_at": at}
                    for item in prepared for upload in item.stored]
    return (prepared, Rows(Document, [item.columns for item in prepared], last=NUMBERED),
            Rows(File, file_columns, last=("document",)))


# Given inside the transaction, after the rest of each row is ready.
NUMBERED = ("item_number", "reference_code")


@dataclass
class Prepared:
    """A row ready to be registered."""
    columns: dict
    stored: list
    fields_json: str
    title_json: str
    files_json: list  # each file's audit description after its id (see _described_after_id)


def register(body, user, ready):
    """Number, insert and audit the rows prepare() made; call inside a transaction. Returns
    the 档号 given."""
    prepared, rows, file_rows = ready
    following = {}
    for item, values in zip(prepared, rows.values):
        columns = item.columns
        key = columns["class_key"]
        if key not in following:
            lock_until_commit(f"item-number:{body.id}:{key}")
            following[key] = next_item_number(body, key)
        columns["item_number"] = following[key]
        columns["reference_code"] = registry.reference_code(body.fonds_code, key, following[key])
        del values[len(rows.fields) - len(NUMBERED):]  # a retried transaction numbers afresh
        values += [following[key], columns["reference_code"]]
        following[key] += 1
    before = Document.select(fn.MAX(Document.id)).scalar() or 0
    insert_rows(rows)
    codes = [item.columns["reference_code"] for item in prepared]
    # Read back as the driver gives them: peewee's rows for 10,000 documents and files took half
    # a second of the transaction. Another writer's documents of this body (PostgreSQL) are read
    # too and never looked up.
    ids = dict(_fetch(Document.select(Document.reference_code, Document.id)
                      .where(Document.id > before, Document.body == body)))
    listed = _insert_files(ids, prepared, file_rows)
    events = []
    for item, code in zip(prepared, codes):
        document_id = ids[code]
        events.append(("document.register", "Document", document_id,
                       f'{{"fields": {item.fields_json}, "files": {listed.get(document_id, "[]")}, '
                       f'"reference_code": {encode_basestring(code)}, "title": {item.title_json}}}'))
    audit.record_many(events, user=user, body=body)
    return codes


def _described_after_id(upload):
    """A file's audit description, files.describe() of its File row as json.dumps(...,
    sort_keys=True) writes it, less its leading id: the text after `{"file_id": 0, `."""
    facts = upload.facts
    text = json.dumps(files.describe(File(id=0, original_name=upload.original_name, sha256=upload.sha256,
                                          size=upload.size, puid=facts["puid"],
                                          media_type=facts["media_type"])),
                      ensure_ascii=False, sort_keys=True)
    return text[len('{"file_id": 0, '):]


def _insert_files(ids, prepared, rows):
    """Insert the File rows prepare() made, each given its document's id; return {document id:
    its files' audit description as JSON}."""
    if not rows.values:
        return {}
    values, documents = iter(rows.values), []
    for item in prepared:
        document_id = ids[item.columns["reference_code"]]
        for _upload in item.stored:
            row = next(values)
            del row[len(rows.fields) - 1:]  # a retried transaction links afresh
            row.append(document_id)
        if item.stored:
            documents.append(document_id)
    insert_rows(rows)
    # Only the ids are new: a document's files were inserted in its order, so they come back in
    # it. Others' new documents in the same range of ids (PostgreSQL) are never looked up.
    new_ids = {}
    for file_id, document_id in _fetch(File.select(File.id, File.document)
                                       .where(File.document.between(min(documents), max(documents)))
                                       .order_by(File.id)):
        new_ids.setdefault(document_id, []).append(file_id)
    described = {}
    for item in prepared:
        if item.stored:
            document_id = ids[item.columns["reference_code"]]
            described[document_id] = "[" + ", ".join(
                f'{{"file_id": {file_id}, {after}'
                for file_id, after in zip(new_ids[document_id], item.files_json)) + "]"
    return described


def _fetch(query):
    """The query's rows as the driver gives them, without peewee's conversion of each."""
    return db.execute_sql(*query.sql()).fetchall()


def _snapshot(clean):
    """The registered fields as registry._snapshot writes them (category by code, scope item by id)."""
    values = {name: clean[name] for name in validation.ALL_FIELDS}
    values["category"] = clean["category"].code if clean["category"] is not None else None
    values["scope_item"] = clean["scope_item"].id if clean["scope_item"] is not None else None
    return values
