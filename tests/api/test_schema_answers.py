"""The OpenAPI schema and the API's behaviour agree.

Figures from the probe (issue 15): 39 operations did not list their 400/404 answers,
and `?page=<garbage>` answered 200.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from organisation.models import Role

from ..factories import StaffFactory, add_totp, make_user_with_role


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method.upper(), operation


OPERATIONS = list(_operations())


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=lambda v: str(v)[:60])
def test_every_operation_lists_its_error_answers(path, method, operation):
    codes = set(operation["responses"])
    if "{" in path:
        assert "404" in codes
    if method in ("POST", "PUT", "PATCH") or "page" in _query(operation):
        assert "400" in codes
    if operation.get("security") != [{}] and not path.startswith(("/api/public/", "/api/auth/")):
        assert {"401", "403"} <= codes
    for code in codes - {"200", "201", "204"}:
        schema = operation["responses"][code].get("content", {})
        assert schema, f"{method} {path} {code} has no body schema"


def _query(operation) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


# Lists reachable without an object in the path (the others are lists of one object's
# children, paginated by the same class).
PAGINATED = [
    path
    for path, method, op in OPERATIONS
    if method == "GET" and "page" in _query(op) and "{" not in path
]


@pytest.mark.parametrize("path", PAGINATED)
@pytest.mark.parametrize("page", ["abc", "-1", "0", "1e3", "99999"])
def test_a_garbage_page_number_is_refused(client, city, path, page):
    admin = make_user_with_role(Role.ADMINISTRATOR, city.city)
    add_totp(admin)
    StaffFactory(department=city.township_a1)
    token = Token.objects.create(user=admin)
    response = client.get(path, {"page": page}, headers={"authorization": f"Token {token.key}"})
    assert response.status_code == 404, response.content
    assert response.json()["detail"]


def test_an_api_url_that_matches_nothing_answers_json(client, db):
    """Schemathesis found `/api/certificates/assessments/%C2%84/` answering an HTML 404."""
    response = client.get("/api/certificates/assessments/%C2%84/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    assert "text/html" in client.get("/no-such-page/")["Content-Type"]


def _request_schema(path, method):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    body = schema["paths"][path][method.lower()]["requestBody"]["content"]
    return schema, body


def _component(schema, body, media_type):
    ref = body[media_type]["schema"]["$ref"].rsplit("/", 1)[-1]
    return schema["components"]["schemas"][ref]


@pytest.mark.parametrize(
    ("path", "field"),
    [("/api/staff/", "name"), ("/api/public/certificates/verify/", "code")],
)
def test_text_that_may_not_be_blank_is_documented_so(path, field):
    """The API refuses "" for these fields; the schema used to allow it."""
    schema, body = _request_schema(path, "POST")
    assert list(body) == ["application/json"]
    assert _component(schema, body, "application/json")["properties"][field]["minLength"] == 1


def test_uploads_are_documented_as_multipart_only():
    _schema, body = _request_schema("/api/roster/imports/", "POST")
    assert list(body) == ["multipart/form-data"]


def _request_component(path):
    schema, body = _request_schema(path, "POST")
    return _component(schema, body, "application/json")["properties"]


def test_grading_points_are_documented_as_numbers():
    """The probe: `{"points": ""}` matched the schema (a decimal string) and was refused."""
    properties = _request_component("/api/exams/manage/items/{item_id}/grade/")
    assert properties["points"]["type"] == "number"
    assert properties["rubric_scores"]["items"]["type"] == "number"


def test_an_answer_is_documented_as_a_text_or_a_list_of_texts():
    properties = _request_component("/api/exams/attempts/{public_id}/save/")
    kinds = {variant["type"] for variant in properties["answer"]["oneOf"]}
    assert kinds == {"string", "array"}


def test_an_empty_bank_search_is_no_filter(client, city):
    """The probe: `q=` was allowed by the schema and refused with 400."""
    admin = make_user_with_role(Role.ADMINISTRATOR, city.city)
    add_totp(admin)
    token = Token.objects.create(user=admin)
    response = client.get(
        "/api/exams/bank/questions/", {"q": ""}, headers={"authorization": f"Token {token.key}"}
    )
    assert response.status_code == 200
