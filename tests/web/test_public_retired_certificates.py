"""A retired certificate (its registration revoked or cancelled, or the certificate superseded by a re-issue after a
change) reads as not current everywhere a buyer looks: its certificate page, the verify page and the API's verdict."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from web3 import Web3

from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from ..e2e.conftest import Service, eventually
from ..integration.registry import transact
from .conftest import certify, register_file

pytestmark = pytest.mark.integration


def _revoke(service: Service, registration_id: int) -> None:
    path = f"/v1/registrations/{registration_id}/revocation"
    assert service.client("regulator").post_write(path, {"reason": "forged evidence"}).status == "mined"


def _cancel(service: Service, registration_id: int) -> None:
    reason = "0x" + hashlib.sha256(b"no longer offered").hexdigest()
    registrant = service.client("registrant")
    cancelled = registrant.holder_action(registration_id, "cancellation", service.registrant, reason_digest=reason)
    assert cancelled.status == "mined"


def _supersede(service: Service, registration_id: int) -> None:
    """The resource holding right is transferred: the certificate follows it, re-issued under a new number."""
    buyer = dev_account(8, LOCAL_CHAIN_ID)
    access = service.runtime.deployment.contract(service.runtime.w3, "LedgerAccess")
    if not access.functions.isAdmitted(buyer.address).call():
        transact(
            service.runtime.w3,
            dev_account(0, LOCAL_CHAIN_ID),
            access.functions.admitParty(buyer.address, Web3.keccak(text="buyer")),
        )
    base = f"/v1/registrations/{registration_id}"
    terms = {
        "right": "resource_holding",
        "new_holder": buyer.address,
        "agreement_digest": "0x" + hashlib.sha256(f"sale of {registration_id}".encode()).hexdigest(),
    }
    registrant = service.client("registrant")
    transfer = registrant.signed_terms(f"{base}/transfers", terms, service.registrant, buyer)
    transfer["holder_signature"], transfer["new_holder_signature"] = transfer.pop("signatures")
    assert registrant.post_write(f"{base}/transfers", transfer).status == "mined"
    approval = f"{base}/rights/resource_holding/transfer/approval"
    assert service.client("authority").post_write(approval).status == "mined"


RETIREMENTS: dict[str, Callable[[Service, int], None]] = {
    "revoked": _revoke,
    "cancelled": _cancel,
    "superseded": _supersede,
}


@pytest.mark.parametrize("how", list(RETIREMENTS))
def test_a_retired_certificate_is_not_current_on_its_page_the_verify_page_and_in_the_api(
    page: Page, service: Service, w3: Web3, how: str
) -> None:
    registration_id = register_file(service, f"退役证书 {how}", f"road,count\nretired {how},1\n".encode())
    number = certify(service, w3, registration_id)
    assert service.client().verify_certificate(number).verdict.code == "certified"
    RETIREMENTS[how](service, registration_id)
    verdict = eventually(
        lambda: (v := service.client().verify_certificate(number).verdict).code != "certified" and v, timeout=60
    )
    assert verdict.code in {"revoked", "cancelled", "certificate_retired"}
    page.goto(f"/certificates/{number}?lang=en")
    expect(page.locator(".retired-banner")).to_be_visible()
    expect(page.locator("[data-current]")).to_have_attribute("data-current", "false")
    page.goto(f"/verify?q={number}&lang=en")
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", verdict.code)
    expect(page.locator("[data-verdict]")).not_to_have_attribute("data-verdict", "certified")
