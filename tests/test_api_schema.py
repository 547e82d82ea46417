"""Property-based: schemathesis generates requests from the served OpenAPI document and checks
that the API never answers with a server error and that every answer matches the document."""
import datetime as dt
import io
import zipfile

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st

from capture.models import CheckIn, Document, File, FollowUp, Transfer
from capture.ops import samples
from capture.people import tokens
from capture.records import registry


@pytest.fixture
def api_schema(app, world, tmp_path):
    """The app's own OpenAPI document, with a document, a check-in and a transfer to find."""
    app.config["API_RATE_PER_MINUTE"] = 10**6
    body = world["a"]
    registry.register_document(body, world["secretary"], {
        "retention": "Y", "responsible": "区行政服务中心", "title": "关于某事项的批复",
        "date": "2026-03-15", "pages": "2"}, [("批复.pdf", io.BytesIO(samples.pdf("x")), None)],
        store=app.extensions["store"])
    checkin = CheckIn.create(body=body, liaison=world["liaison"], scheduled_for=dt.datetime(2026, 3, 2, 2))
    FollowUp.create(checkin=checkin, action="补齐会议纪要", due=dt.date(2026, 3, 9))
    package = tmp_path / "package.zip"
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("bagit.txt", "BagIt-Version: 1.0\n")
    Transfer.create(body=body, run_by=world["transfer_officer"], status="exported",
                    package_path=str(package), package_sha256="0" * 64)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def api_token(world):
    """A read-write token of the body's liaison, who may read and write all of it."""
    return tokens.create(world["liaison"], "schemathesis", "read write")[1]


def pin_business_rules(case, known, day):
    """Values a JSON Schema cannot constrain, made valid: the category and scope item must be the
    body's own, the date not in the future, the replaced file one of the document's."""
    if case.method != "POST" or not isinstance(case.body, dict):
        return
    if "category" in case.body:
        case.body["category"] = known["category"]
    if "scope_item" in case.body:
        case.body["scope_item"] = known["scope_item"]
    if "replaces" in case.body:
        case.body["replaces"] = known["file_id"]
    if "date" in case.body:
        case.body["date"] = day.isoformat()


def test_api_never_fails_and_always_matches_its_openapi_document(api_schema, api_token, world):
    # schemathesis' pytest plugin does not load under pytest 9, so each operation is driven
    # through its Python API: a Hypothesis strategy per operation, every check of call_and_validate
    # (none excluded: a schema-valid registration must be accepted).
    body = world["a"]
    known = {"body_id": body.id, "document_id": Document.get().id, "file_id": File.get().id,
             "transfer_id": Transfer.get().id, "category": body.categories[0].code,
             "scope_item": body.scope_items[0].id}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert "POST /bodies/{body_id}/documents" in {o.label for o in operations}
    for operation in operations:
        @given(case=operation.as_strategy(), use_known_ids=st.booleans(),
               day=st.dates(dt.date(2026, 1, 1), dt.date(2026, 11, 30)))
        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case, use_known_ids, day):
            if use_known_ids and case.path_parameters:
                case.path_parameters = {k: known[k] for k in case.path_parameters}
            pin_business_rules(case, known, day)
            case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"})
        check()
