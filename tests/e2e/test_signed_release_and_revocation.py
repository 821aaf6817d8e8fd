"""A pledgee and a licensor whose keys the service does not hold release and revoke over HTTP: they ask for the
typed data, sign it with their own key (eth-account, here), and the service relays it, paying only the gas."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount

from api.client import ApiError, LedgerClient
from api.tokens import Role, issue_token
from ledger.encoding import to_hex
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from .conftest import Service, eventually
from .test_registration_workflow import _data, _fields, _status


def _signed(typed: dict[str, Any], signer: LocalAccount) -> dict[str, Any]:
    """The body of a signed write: the signature over the typed data, with its message's nonce and deadline."""
    signature = to_hex(signer.sign_message(encode_typed_data(full_message=typed)).signature)
    return {"signature": signature, "nonce": typed["message"]["nonce"], "deadline": typed["message"]["deadline"]}


def _party_without_custody(service: Service) -> str:
    """The registrant token of an admitted party whose key only the test holds (dev account 8)."""
    party = dev_account(8, LOCAL_CHAIN_ID)
    assert party.address not in service.runtime.custody
    service.chain.admit(party.address, "e2e pledgee")
    with service.runtime.sessions.begin() as session:
        return issue_token(session, party.address, [Role.REGISTRANT], "pledgee without custody")


def _typed_data(service: Service, token: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.post(f"{service.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    typed: dict[str, Any] = response.json()
    return typed


def _certified(service: Service, title: str) -> int:
    registrant, authority = service.client("registrant"), service.client("authority")
    registrant.register(_fields(service, title), service.registrant)
    digest = hashlib.sha256(_data(title)[0]).hexdigest()
    registration_id: int = eventually(
        lambda: [m.registration_id for m in service.client().verify_sha256(digest).matches if m.status == "submitted"]
    )[-1]
    service.client("reviewer").accept(registration_id)
    authority.approve(registration_id)
    service.chain.let_notice_pass(registration_id)
    authority.certify(registration_id)
    eventually(lambda: _status(service, registration_id) == "certified")
    return registration_id


def test_pledgee_and_licensor_without_custody_release_and_revoke_by_signature(service: Service) -> None:
    w3 = service.chain.w3
    assert service.registrant.address not in service.runtime.custody, "the licensor signs for itself"
    registrant = service.client("registrant")
    pledgee_account = dev_account(8, LOCAL_CHAIN_ID)
    pledgee_token = _party_without_custody(service)
    pledgee = LedgerClient(service.url, pledgee_token)
    licensee = dev_account(7, LOCAL_CHAIN_ID)
    service.chain.admit(licensee.address, "e2e licensee")
    registration_id = _certified(service, "e2e signed release")
    base = f"/v1/registrations/{registration_id}"
    now = service.chain.now()

    pledge = registrant.signed_terms(
        f"{base}/encumbrances",
        {
            "right": "resource_holding",
            "kind": "pledge",
            "creditor": pledgee_account.address,
            "agreement_digest": "0x" + hashlib.sha256(b"loan 2026-007").hexdigest(),
        },
        service.registrant,
    )
    pledge["signature"] = pledge.pop("signatures")[0]
    assert registrant.post_write(f"{base}/encumbrances", pledge).status == "mined"

    # Without custody, the pledgee's own-key release cannot be sent; its signed release can.
    with pytest.raises(ApiError) as no_key:
        pledgee.post_write(f"{base}/rights/resource_holding/release")
    assert no_key.value.code == "no_custody_key"
    typed = _typed_data(service, pledgee_token, f"{base}/rights/resource_holding/release/typed-data")
    assert typed["primaryType"] == "Release"
    assert typed["message"]["creditor"] == pledgee_account.address
    assert typed["domain"]["verifyingContract"] == service.runtime.deployment.rights

    forged = _signed(typed, service.registrant)
    with pytest.raises(ApiError) as refused:
        pledgee.post_write(f"{base}/rights/resource_holding/release", forged)
    assert refused.value.code == "invalid_signature"

    body = _signed(typed, pledgee_account)
    released = pledgee.post_write(f"{base}/rights/resource_holding/release", body)
    assert released.status == "mined"
    again = pledgee.post_write(f"{base}/rights/resource_holding/release", body)
    assert again.tx_hash == released.tx_hash, "the same signed release, sent twice, is one write"
    receipt = w3.eth.get_transaction(released.tx_hash)
    assert receipt["from"] == service.runtime.relayer.address, "the relayer pays the gas"
    eventually(lambda: all(r.encumbrance == "none" for r in service.client().registration(registration_id).rights))

    licence = registrant.signed_terms(
        f"{base}/licences",
        {
            "right": "processing_and_use",
            "licensee": licensee.address,
            "licence_type": "non_exclusive",
            "scope_digest": "0x" + hashlib.sha256(b"scope: research, 1 year").hexdigest(),
            "starts_at": now,
            "ends_at": now + 365 * 86_400,
        },
        service.registrant,
    )
    licence["signature"] = licence.pop("signatures")[0]
    assert registrant.post_write(f"{base}/licences", licence).status == "mined"
    licence_id = eventually(lambda: service.client().registration(registration_id).licences)[0].licence_id

    reason = {"reason": "the licensee breached the scope"}
    typed = _typed_data(
        service, service.tokens["registrant"], f"/v1/licences/{licence_id}/revocation/typed-data", reason
    )
    assert typed["primaryType"] == "LicenceRevocation"
    assert typed["message"]["licenceId"] == int(licence_id)
    assert typed["message"]["licensor"] == service.registrant.address
    with pytest.raises(ApiError) as not_licensor:
        pledgee.post_write(f"/v1/licences/{licence_id}/revocation", {**reason, **_signed(typed, pledgee_account)})
    assert not_licensor.value.code == "invalid_signature"
    revoked = registrant.post_write(
        f"/v1/licences/{licence_id}/revocation", {**reason, **_signed(typed, service.registrant)}
    )
    assert revoked.status == "mined"
    assert w3.eth.get_transaction(revoked.tx_hash)["from"] == service.runtime.relayer.address
    eventually(lambda: [x.status for x in service.client().registration(registration_id).licences] == ["revoked"])
