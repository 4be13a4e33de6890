"""The OpenAPI schema describes the answers the API really gives (issue 14, finding 11): each answer
here is validated against the schema's own description of that operation and status code. These
are the shapes the fuzzer (tools/fuzz-api, schemathesis against a live server) found undocumented:
empty (null) relations not marked nullable, a blank choice missing from its enum, `budgets/`
documented as a list, export files documented as application/octet-stream, the pre-proceedings of
a case with none recorded missing fields, and error answers not documented at all."""

import copy

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

from fgdm.models import Child
from payments import services as payment_services
from tests import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def _json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema says it."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def conforms(openapi, response, path, method="get"):
    """Assert the answer's status code, content type and (JSON) body are as the schema says."""
    operation = openapi["paths"][path][method]
    code = str(response.status_code)
    assert code in operation["responses"], f"{method.upper()} {path} does not document {code}"
    content = operation["responses"][code].get("content", {})
    media_type = response["Content-Type"].split(";")[0].strip()
    assert media_type in content, f"{method.upper()} {path} {code} documents {list(content)}, not {media_type}"
    if media_type == "application/json":
        schema = _json_schema(copy.deepcopy(content[media_type]["schema"]))
        schema["components"] = _json_schema(copy.deepcopy(openapi["components"]))
        jsonschema.validate(response.json(), schema)
        return response.json()
    return response


def test_open_batch_and_unbatched_payment(openapi, world, api):
    """Nobody has approved, exported or confirmed an open batch yet; a payment not batched has no batch."""
    scenario.payments_authorised(world, amount="30.00", frequency="weekly", instalments=2)
    fin1 = api.as_user(world.u.fin1)
    payments = conforms(openapi, fin1.get("/api/v1/payments/"), "/api/v1/payments/")
    assert {p["batch"] for p in payments["results"]} == {None}
    batch = payment_services.batch_create(by=world.u.fin1, payment_ids=[payments["results"][0]["id"]], due_by=None)
    body = conforms(openapi, fin1.get("/api/v1/payment-batches/"), "/api/v1/payment-batches/")
    assert body["results"][0]["approved_by"] is None
    body = conforms(openapi, fin1.get(f"/api/v1/payment-batches/{batch.pk}/"), "/api/v1/payment-batches/{batch_id}/")
    assert (body["approved_by"], body["exported_by"], body["confirmed_by"]) == (None, None, None)
    conforms(openapi, fin1.get("/api/v1/payments/"), "/api/v1/payments/")


def test_budgets_is_an_object(openapi, world, api):
    body = conforms(openapi, api.as_user(world.u.fin1).get("/api/v1/budgets/"), "/api/v1/budgets/")
    assert set(body) == {"financial_year", "results"}


@pytest.mark.parametrize("export_format", ["csv", "bacs18", "pain001"])
def test_export_files_content_types(openapi, world, api, export_format):
    batch = scenario.approved_batch(world)
    fin1 = api.as_user(world.u.fin1)
    exported = fin1.post(f"/api/v1/payment-batches/{batch.pk}/export/", {"format": export_format}, format="json")
    conforms(openapi, exported, "/api/v1/payment-batches/{batch_id}/export/", "post")
    downloaded = fin1.get(f"/api/v1/payment-batches/{batch.pk}/download/?format={export_format}")
    conforms(openapi, downloaded, "/api/v1/payment-batches/{batch_id}/download/")


def test_pre_proceedings_not_recorded_has_every_field(openapi, world, api):
    """Regression (found by the fuzzer): the answer lacked the fields the schema requires."""
    case = scenario.allocated(world)
    body = conforms(
        openapi,
        api.as_user(world.u.prac_east).get(f"/api/v1/cases/{case.pk}/pre-proceedings/"),
        "/api/v1/cases/{case_id}/pre-proceedings/",
    )
    assert body["case"] == case.pk and body["status"] is None and body["offers"] == []
    assert body["exemption_decided_by"] is None and body["intended_on"] is None


def test_child_participation_not_recorded(openapi, world, api):
    case = scenario.allocated(world)
    Child.objects.filter(case=case).update(participation="")
    prac = api.as_user(world.u.prac_east)
    children = conforms(openapi, prac.get(f"/api/v1/cases/{case.pk}/children/"), "/api/v1/cases/{case_id}/children/")
    assert {child["participation"] for child in children["results"]} == {""}
    conforms(openapi, prac.get(f"/api/v1/cases/{case.pk}/"), "/api/v1/cases/{case_id}/")


def test_error_answers_are_documented(openapi, world, api):
    batch = scenario.approved_batch(world)
    fin2 = api.as_user(world.u.fin2)
    conforms(openapi, fin2.get("/api/v1/payment-batches/999999/"), "/api/v1/payment-batches/{batch_id}/")
    again = fin2.post(f"/api/v1/payment-batches/{batch.pk}/approve/")
    assert again.status_code == 409
    conforms(openapi, again, "/api/v1/payment-batches/{batch_id}/approve/", "post")
    refused = fin2.get("/api/v1/transparency/spend-over-500/?date_from=2026-01-01&date_to=2024-01-01")
    assert refused.status_code == 400
    conforms(openapi, refused, "/api/v1/transparency/spend-over-500/")
    prac = api.as_user(world.u.prac_east).get("/api/v1/budgets/")
    assert prac.status_code == 403
    conforms(openapi, prac, "/api/v1/budgets/")
    api.credentials()
    conforms(openapi, api.get("/api/v1/payments/"), "/api/v1/payments/")  # 401


def test_subject_access_requests(openapi, world, api):
    """A request with no subject found yet (blank kind, no id, nobody has checked the identity), one
    gathered with its items, an item decided, and the refusals (400, 403, 404, 409)."""
    from core import sar_services
    from tests.records.test_subject_access import checked, excluded_member

    _, nan = excluded_member(world)
    handler = api.as_user(world.u.auditor)
    base = "/api/v1/subject-access-requests/"
    blank = conforms(
        openapi,
        handler.post(base, {"received_on": "2026-11-02", "requester": "A", "subject_name": "A"}, format="json"),
        base,
        "post",
    )
    assert blank["subject_kind"] == "" and blank["subject_id"] is None and blank["id_checked_by"] is None
    request = checked(world, nan)
    sar_services.sar_gather(request_id=request.pk, by=world.u.auditor)
    listed = conforms(openapi, handler.get(base), base)
    assert {row["id_check_method"] for row in listed["results"]} == {"", "photo_id"}
    one = conforms(openapi, handler.get(f"{base}{request.pk}/"), base + "{request_id}/")
    assert {item["decision"] for item in one["items"]} == {""}
    item = request.items.exclude(review_reason="").first()
    decide = "/api/v1/subject-access-items/{item_id}/decide/"
    path = f"/api/v1/subject-access-items/{item.pk}/decide/"
    conforms(openapi, handler.post(path, {"decision": "disclose"}, format="json"), decide, "post")
    conforms(openapi, handler.post(path, {"decision": "x"}, format="json"), decide, "post")  # 400
    conforms(openapi, handler.post(f"{base}{blank['id']}/gather/"), base + "{request_id}/gather/", "post")  # 409
    conforms(openapi, api.as_user(world.u.fin1).get(base), base)  # 403
    conforms(openapi, handler.get(f"{base}999999/"), base + "{request_id}/")  # 404
