"""An idempotency key names one client request of one caller: a retry of that request gets its first answer,
anything else under the key (another route, another body, another caller) never does."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from web3 import Web3

from api.tokens import Role, issue_token
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from .conftest import Service

pytestmark = pytest.mark.integration


def _admission(address: str) -> dict[str, str]:
    return {"address": address, "identity_commitment": "0x" + Web3.keccak(text=address).hex().removeprefix("0x")}


def _post(service: Service, token: str, path: str, body: dict[str, Any], key: str) -> httpx.Response:
    return httpx.post(
        f"{service.url}{path}",
        json=body,
        params={"wait": "true"},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        timeout=60,
    )


def _stranger() -> str:
    return Web3.to_checksum_address("0x" + secrets.token_hex(20))


def test_a_retried_request_gets_its_first_answer_under_the_same_key(service: Service) -> None:
    token, key = service.tokens["authority"], f"retry-{secrets.token_hex(4)}"
    body = _admission(_stranger())
    first = _post(service, token, "/v1/parties", body, key)
    assert first.status_code == 202, first.text
    retried = _post(service, token, "/v1/parties", dict(reversed(body.items())), key)  # same body, other order
    assert retried.status_code == 202, retried.text
    assert retried.json()["key"] == first.json()["key"]
    assert retried.json()["tx_hash"] == first.json()["tx_hash"]


def test_a_key_repeated_with_another_body_is_a_conflict(service: Service) -> None:
    token, key = service.tokens["authority"], f"body-{secrets.token_hex(4)}"
    assert _post(service, token, "/v1/parties", _admission(_stranger()), key).status_code == 202
    other = _post(service, token, "/v1/parties", _admission(_stranger()), key)
    assert other.status_code == 409, other.text
    assert other.json()["code"] == "idempotency_conflict"


def test_a_key_repeated_on_another_route_is_a_conflict(service: Service) -> None:
    token, key = service.tokens["authority"], f"route-{secrets.token_hex(4)}"
    stranger = _stranger()
    assert _post(service, token, "/v1/parties", _admission(stranger), key).status_code == 202
    other = _post(
        service, service.tokens["regulator"], f"/v1/parties/{stranger}/suspension", {"reason": "dishonest"}, key
    )
    assert other.status_code == 409, other.text
    assert other.json()["code"] == "idempotency_conflict"


def test_another_caller_using_the_same_key_never_gets_the_first_callers_answer(service: Service) -> None:
    key, body = f"caller-{secrets.token_hex(4)}", _admission(_stranger())
    first = _post(service, service.tokens["authority"], "/v1/parties", body, key)
    assert first.status_code == 202, first.text
    custodial = dev_account(9, LOCAL_CHAIN_ID).address  # a key the service holds, with no party-admin role on chain
    with service.runtime.sessions.begin() as session:
        other_token = issue_token(session, custodial, [Role.AUTHORITY], "another authority caller")
    other = _post(service, other_token, "/v1/parties", body, key)
    # Its own request: dry-run from its own key, which the contract refuses; never the first caller's answer.
    assert other.status_code == 409, other.text
    assert other.json()["code"] == "contract_refused"
