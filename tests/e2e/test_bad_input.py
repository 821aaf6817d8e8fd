"""Bad input on every route: a 4xx problem document with a stable code, and nothing written anywhere.

Every operation of the OpenAPI schema that takes a body gets malformed, truncated, wrongly typed, unknown-field,
oversized (declared and chunked) and broken-multipart bodies, with a token that passes every role check; the
database's row counts, the Kubo node's pins and the nonces of every key the service holds must not move.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.tokens import Role, issue_token
from ledger.db import Base
from ledger.index.tables import IndexCursor, IndexedBlock

from .conftest import Service, eventually

pytestmark = pytest.mark.integration
MIB = 1 << 20
PATH_VALUES = {
    "registration_id": "1",
    "objection_id": "1",
    "licence_id": "1",
    "draft_id": "00000000-0000-4000-8000-000000000000",
    "right": "processing_and_use",
    "action": "change",
    "number": "202503010001",
    "report_digest": "0x" + "11" * 32,
    "address": "0x" + "ab" * 20,
    "index": "0",
}
JSON_BODIES: dict[str, bytes] = {
    "malformed": b'{"reason": ',
    "truncated": b'{"reason": "abc',
    "not an object": b"[1, 2, 3]",
    "wrong types": b'{"reason": 5, "upheld": "maybe", "nonce": "x", "signature": 7, "right": []}',
    "unknown field": b'{"unexpected_field": 1}',
    "nested garbage": b'{"a": ' * 2000 + b"1" + b"}" * 2000,
}
MULTIPART_BODIES: dict[str, tuple[str, bytes]] = {
    "no boundary": ("multipart/form-data", b"--x\r\n\r\n"),
    "truncated": (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nrow',
    ),
    "no file part": (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\nx\r\n--b--\r\n',
    ),
}


@pytest.fixture(scope="module")
def admin_token(service: Service) -> str:
    """A token that passes every role check, so that only the body decides."""
    with service.runtime.sessions.begin() as session:
        return issue_token(session, service.registrant.address, [Role.ADMIN], "bad input sweep")


def _fills(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], template)


def _operations(service: Service) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(method, path template, a concrete path, the operation) of every operation of the schema."""
    schema = httpx.get(f"{service.url}/openapi.json", timeout=60).json()  # generated on first use: slow when busy
    for template, item in schema["paths"].items():
        for method, operation in item.items():
            yield method.upper(), template, _fills(template), operation


def _settled(service: Service) -> bool:
    """Whether the background indexer has caught up with the chain, so that it writes nothing meanwhile."""
    with service.runtime.sessions() as session:
        cursor = session.get(IndexCursor, 1)
    return cursor is not None and cursor.block_number >= service.runtime.w3.eth.block_number


def _written(service: Service, kubo_api: str) -> dict[str, Any]:
    """Everything a request could have written: row counts of every table, the node's pins, and every transaction
    the service could have sent (the pending nonce of each key it holds).

    Not the chain's height, nor the indexer's record of the blocks it read (`indexed_blocks`): geth seals a block
    every second with or without transactions, and the indexer follows it.
    """
    with service.runtime.sessions() as session:
        rows = {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
            if table is not IndexedBlock.__table__
        }
    pins = httpx.post(f"{kubo_api}/api/v0/pin/ls", params={"type": "recursive"}, timeout=30).json()["Keys"]
    w3 = service.chain.w3
    sent = {address: w3.eth.get_transaction_count(address, "pending") for address in service.runtime.custody}
    return {"rows": rows, "pins": sorted(pins), "sent": sent}


def _assert_refused(response: httpx.Response, what: str) -> None:
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/problem+json"), what
    assert re.fullmatch(r"[a-z_]+", response.json()["code"]), what


def _chunked(total: int) -> Iterator[bytes]:
    yield b'{"reason": "'
    sent = 0
    while sent < total:
        yield b"a" * MIB
        sent += MIB
    yield b'"}'


def test_every_route_refuses_bad_bodies_with_a_problem_and_writes_nothing(
    service: Service, admin_token: str, kubo_api: str
) -> None:
    eventually(lambda: _settled(service))
    before = _written(service, kubo_api)
    auth = {"Authorization": f"Bearer {admin_token}"}
    checked = 0
    with httpx.Client(base_url=service.url, headers=auth, timeout=60) as client:
        for method, _, path, operation in _operations(service):
            if method not in ("POST", "PUT", "PATCH", "DELETE"):
                continue
            oversized = client.request(
                method, path, content=b"x" * (2 * MIB), headers={"content-type": "application/json"}
            )
            if "requestBody" not in operation:
                assert oversized.status_code == 413, f"{method} {path}: a body-less route still caps bodies"
                _assert_refused(oversized, f"{method} {path} oversized")
                continue
            content = operation["requestBody"]["content"]
            if "multipart/form-data" in content:
                for name, (content_type, body) in MULTIPART_BODIES.items():
                    response = client.request(method, path, content=body, headers={"content-type": content_type})
                    _assert_refused(response, f"{method} {path} multipart {name}")
            else:
                for name, body in JSON_BODIES.items():
                    response = client.request(method, path, content=body, headers={"content-type": "application/json"})
                    _assert_refused(response, f"{method} {path} {name}")
                _assert_refused(oversized, f"{method} {path} oversized")
                assert oversized.json()["code"] == "body_too_large"
                chunked = client.request(
                    method, path, content=_chunked(4 * MIB), headers={"content-type": "application/json"}
                )
                assert chunked.status_code == 413, f"{method} {path} chunked"
            checked += 1
    assert checked > 25
    assert _written(service, kubo_api) == before


def test_unknown_fields_are_refused_and_named(service: Service, admin_token: str) -> None:
    response = httpx.post(
        f"{service.url}/v1/registrations/1/freeze",
        json={"reason": "court order", "reasn": "typo"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert [error["field"] for error in response.json()["errors"]] == ["reasn"]


def test_an_address_in_any_case_is_read_as_the_same_account(service: Service) -> None:
    """Lowercase and uppercase addresses used to reach web3 unchanged and come back as a 500."""
    regulator = {"Authorization": f"Bearer {service.tokens['regulator']}"}
    checksummed = service.registrant.address
    answers = [
        httpx.get(f"{service.url}/v1/audit/events", params={"registrant": form}, headers=regulator).json()
        for form in (checksummed, checksummed.lower(), "0x" + checksummed[2:].upper())
    ]
    assert answers[0] == answers[1] == answers[2]
    typo = checksummed[:2] + checksummed[2:].swapcase()
    refused = httpx.get(f"{service.url}/v1/audit/events", params={"registrant": typo}, headers=regulator)
    if typo[2:] not in (typo[2:].lower(), typo[2:].upper()):
        assert refused.status_code == 422
    stranger = "0x" + "5c" * 20  # lowercase, never admitted
    response = httpx.post(
        f"{service.url}/v1/parties/{stranger}/suspension",
        json={"reason": "dishonest"},
        headers={**regulator, "Idempotency-Key": "lowercase-suspension"},
    )
    # Read as the checksummed account, and refused by the contract: a stranger cannot be suspended.
    assert response.status_code == 409, response.text
    assert response.json()["rule"] == "PartyNeverAdmitted"


def test_file_names_with_path_tricks_are_never_used_as_paths(service: Service) -> None:
    """Upload routes hash what arrives and name nothing after the client's file name."""
    for name in ("../../../../tmp/escaped", "..\\..\\escaped", "/etc/passwd", "a\x00b", "%2e%2e%2fescaped"):
        response = httpx.post(f"{service.url}/v1/verify/file", files={"file": (name, b"data")})
        assert response.status_code in (200, 404, 422), (name, response.text)
        assert "escaped" not in json.dumps(response.json())
    assert not Path("/tmp/escaped").exists()


@pytest.mark.parametrize("signature", ["0x" + "ff" * 65, "0x" + "00" * 65, "0x" + "11" * 64 + "05"])
def test_a_signature_with_v_r_or_s_out_of_range_is_refused_not_a_500(
    service: Service, admin_token: str, signature: str
) -> None:
    """Found by the stateful fuzz run: eth_keys' BadSignature escaped the signature checks as a 500."""
    body = {
        "right": "processing_and_use",
        "kind": "pledge",
        "creditor": service.registrant.address,
        "agreement_digest": "0x" + "22" * 32,
        "nonce": 0,
        "deadline": 2**40,
        "signature": signature,
    }
    response = httpx.post(
        f"{service.url}/v1/registrations/1/encumbrances",
        json=body,
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=60,
    )
    _assert_refused(response, signature)


def test_every_route_that_needs_a_token_refuses_an_anonymous_body_before_reading_it(service: Service) -> None:
    """Authentication comes before the body: an oversized anonymous body gets 401, not 413 (which would mean the
    door did not know the route needs a token and went on to count its bytes)."""
    public = {("POST", "/v1/verify/file")}
    refused = 0
    with httpx.Client(base_url=service.url, timeout=60) as client:
        for method, template, path, _ in _operations(service):
            if method not in ("POST", "PUT", "PATCH", "DELETE") or (method, template) in public:
                continue
            response = client.request(
                method, path, content=b"x" * (2 * MIB), headers={"content-type": "application/json"}
            )
            assert response.status_code == 401, f"{method} {template}: {response.status_code}"
            assert response.json()["code"] == "unauthenticated"
            refused += 1
    assert refused > 25
