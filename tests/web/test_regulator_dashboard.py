"""The regulator's dashboard in Chromium beyond freezing (which tests/web/test_signed_in_portal.py drives): a
party's suspension behind a confirmation that asks for the reason, the approvals of licences and transfers of
important data awaiting the regulator, and the charts by origin, grade, industry and of dealings over time."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Page, expect
from web3 import Web3

from ..e2e.conftest import Service, eventually
from ..factories import manifest_fields
from ..integration.registry import transact
from .conftest import axe_violations, certify
from .test_signed_in_portal import sign_in

pytestmark = pytest.mark.integration


def admit_fresh_party(service: Service, admin: LocalAccount) -> str:
    """Admits a new account as a party (as the authority would) and returns its address."""
    return admit_fresh_account(service, admin).address


def admit_fresh_account(service: Service, admin: LocalAccount) -> LocalAccount:
    """Admits a new account as a party (as the authority would) and returns it, with its key to sign."""
    party: LocalAccount = Account.create()
    access = service.chain.deployment.contract(service.chain.w3, "LedgerAccess")
    transact(service.chain.w3, admin, access.functions.admitParty(party.address, Web3.keccak(text=party.address)))
    return party


def test_the_regulator_suspends_a_party_only_after_confirming_with_a_reason(
    page: Page, service: Service, admin: LocalAccount
) -> None:
    address = admit_fresh_party(service, admin)
    access = service.chain.deployment.contract(service.chain.w3, "LedgerAccess")
    sign_in(page, service.tokens["regulator"], "/regulator?lang=en")
    row = page.locator(f"#parties #party-{address}")
    eventually(lambda: page.reload() and row.count())  # the index reads the admission a block or two later
    expect(row).to_have_attribute("data-standing", "admitted")
    assert axe_violations(page) == []
    row.get_by_role("link", name="Suspend…").click()
    expect(page.locator("#party")).to_have_text(address)
    assert axe_violations(page) == []
    csrf = page.locator("form.confirm input[name=csrf]").input_value()
    unconfirmed = page.request.post(
        f"/regulator/parties/{address}/suspend", form={"csrf": csrf, "reason": "not confirmed"}
    )
    assert unconfirmed.url.endswith(f"/regulator/parties/{address}/suspend")  # back to the question
    no_reason = page.request.post(
        f"/regulator/parties/{address}/suspend", form={"csrf": csrf, "reason": "  ", "confirmed": "yes"}
    )
    assert no_reason.url.endswith(f"/regulator/parties/{address}/suspend")
    forged = page.request.post(
        f"/regulator/parties/{address}/suspend", form={"csrf": "forged", "reason": "x", "confirmed": "yes"}
    )
    assert forged.status == 403
    assert access.functions.isAdmitted(address).call()
    page.fill("#reason", "found dishonest (失信) from the dashboard")
    page.check("#confirmed")
    page.click("form.confirm button[type=submit]")
    expect(page.locator("[data-done]")).to_have_attribute("data-done", "suspended")
    expect(page.locator("[data-done]")).to_contain_text(address)
    expect(page.locator(f"#parties #party-{address}")).to_have_attribute("data-standing", "suspended")
    assert not access.functions.isAdmitted(address).call()
    page.goto(f"/regulator?registrant={address}&kind=PartySuspended&lang=en")
    expect(page.locator("#events")).to_contain_text("PartySuspended")


def register_graded(service: Service, title: str, data: bytes, grade: str = "important", **overrides: Any) -> int:
    """Submits a registration of `data` graded `grade` and returns its id once indexed."""
    digest = "0x" + hashlib.sha256(data).hexdigest()
    fields: dict[str, Any] = manifest_fields(
        service.registrant.address,
        title=title,
        classification={"category": "transport", "grade": grade, "personal_information": False},
        data_commitment={"scheme": "sha256", "root": digest, "file_count": 1, "total_bytes": len(data)},
        **overrides,
    )
    fields.pop("registrant")
    service.client("registrant").register(json.loads(json.dumps(fields, default=str)), service.registrant)
    return int(eventually(lambda: [m.registration_id for m in service.client().verify_sha256(digest[2:]).matches])[-1])


def grant_licence(service: Service, w3: Web3, registration_id: int, licensee: str, scope: bytes) -> None:
    """The registrant licenses processing and use to `licensee` (signed terms, relayed); for important data it
    then awaits the regulator."""
    base = f"/v1/registrations/{registration_id}"
    now = w3.eth.get_block("latest")["timestamp"]
    registrant = service.client("registrant")
    licence = registrant.signed_terms(
        f"{base}/licences",
        {
            "right": "processing_and_use",
            "licensee": licensee,
            "licence_type": "non_exclusive",
            "scope_digest": "0x" + hashlib.sha256(scope).hexdigest(),
            "starts_at": now,
            "ends_at": now + 365 * 86_400,
        },
        service.registrant,
    )
    licence["signature"] = licence.pop("signatures")[0]
    assert registrant.post_write(f"{base}/licences", licence).status == "mined"


def test_licences_of_important_data_await_the_regulator_who_approves_or_refuses_them_with_a_reason(
    page: Page, service: Service, admin: LocalAccount, w3: Web3
) -> None:
    registration_id = register_graded(service, "重要数据 important", b"road,count\nimportant data,1\n")
    certify(service, w3, registration_id)
    licensee = admit_fresh_party(service, admin)
    grant_licence(service, w3, registration_id, licensee, b"scope: approved by the regulator")
    grant_licence(service, w3, registration_id, licensee, b"scope: refused by the regulator")
    sign_in(page, service.tokens["regulator"], "/regulator?lang=en")
    rows = page.locator("#awaiting-licences tbody tr", has_text=f"reg:{registration_id}")
    eventually(lambda: page.reload() and rows.count() == 2)
    assert axe_violations(page) == []
    first, second = (rows.nth(i).get_attribute("id") or "" for i in range(2))
    page.locator(f"#{first}").get_by_role("link", name="Approve…").click()
    assert axe_violations(page) == []
    csrf = page.locator("form.confirm input[name=csrf]").input_value()
    unconfirmed = page.request.post(page.url, form={"csrf": csrf})
    assert unconfirmed.url.endswith(page.url.split("/", 3)[3])  # back to the question
    page.check("#confirmed")
    page.click("form.confirm button[type=submit]")
    expect(page.locator("[data-done]")).to_have_attribute("data-done", "approved_by_regulator")
    expect(page.locator(f"#{first}")).to_have_count(0)
    page.locator(f"#{second}").get_by_role("link", name="Refuse…").click()
    assert axe_violations(page) == []
    refused_without_reason = page.request.post(page.url, form={"csrf": csrf, "confirmed": "yes", "reason": " "})
    assert refused_without_reason.url.endswith(page.url.split("/", 3)[3])
    page.fill("#reason", "the licensee's scope exceeds what important data may be used for")
    page.check("#confirmed")
    page.click("form.confirm button[type=submit]")
    expect(page.locator("[data-done]")).to_have_attribute("data-done", "refused_by_regulator")
    expect(rows).to_have_count(0)
    licensed_on = datetime.fromtimestamp(w3.eth.get_block("latest")["timestamp"], UTC).date().isoformat()
    expect(page.locator("#licences-per-day title")).to_contain_text(licensed_on)
    kinds = [e["event"] for e in service.client("regulator").audit_events(registration=registration_id)["items"]]
    assert "LicenceApproved" in kinds
    assert "LicenceRevoked" in kinds


def test_the_charts_count_registrations_by_origin_grade_and_industry(page: Page, service: Service) -> None:
    register_graded(
        service, "核心公共数据 charts", b"road,count\ncore public data,1\n", "core", origin="public", industry="I65"
    )
    sign_in(page, service.tokens["regulator"], "/regulator?lang=en")
    expect(page.locator("#by-origin title")).to_contain_text(re.compile(r"Public data [1-9]"))
    expect(page.locator("#by-grade title")).to_contain_text(re.compile(r"Core data [1-9]"))
    expect(page.locator("#by-industry title")).to_contain_text(re.compile(r"I65 [1-9]"))
    expect(page.locator("#licences-per-day svg")).to_be_attached()
    expect(page.locator("#transfers-per-day svg")).to_be_attached()
    assert axe_violations(page) == []


def request_transfer(service: Service, registration_id: int, right: str, buyer: LocalAccount) -> None:
    """The holder and the buyer sign a transfer of `right`; for important data it then awaits the regulator."""
    base = f"/v1/registrations/{registration_id}"
    registrant = service.client("registrant")
    body = {
        "right": right,
        "new_holder": buyer.address,
        "agreement_digest": "0x" + hashlib.sha256(right.encode()).hexdigest(),
    }
    transfer = registrant.signed_terms(f"{base}/transfers", body, service.registrant, buyer)
    transfer["holder_signature"], transfer["new_holder_signature"] = transfer.pop("signatures")
    assert registrant.post_write(f"{base}/transfers", transfer).status == "mined"


def test_transfers_of_important_data_await_the_regulator_who_approves_or_refuses_them_with_a_reason(
    page: Page, service: Service, admin: LocalAccount, w3: Web3
) -> None:
    registration_id = register_graded(service, "重要数据转让 transfer", b"road,count\nimportant transfer,1\n")
    certify(service, w3, registration_id)
    buyer = admit_fresh_account(service, admin)
    request_transfer(service, registration_id, "resource_holding", buyer)
    request_transfer(service, registration_id, "processing_and_use", buyer)
    authority = service.client("authority")
    base = f"/v1/registrations/{registration_id}/rights"
    assert authority.post_write(f"{base}/resource_holding/transfer/approval").status == "mined"
    sign_in(page, service.tokens["regulator"], "/regulator?lang=en")
    approved = page.locator(f"#transfer-{registration_id}-resource_holding")
    refused = page.locator(f"#transfer-{registration_id}-processing_and_use")
    eventually(lambda: page.reload() and approved.count() and refused.count())
    expect(approved).to_contain_text("Yes")  # the authority's approval is shown: the regulator's gives it effect
    assert axe_violations(page) == []
    approved.get_by_role("link", name="Approve…").click()
    assert axe_violations(page) == []
    page.check("#confirmed")
    page.click("form.confirm button[type=submit]")
    expect(page.locator("[data-done]")).to_have_attribute("data-done", "approved_by_regulator")
    expect(approved).to_have_count(0)
    refused.get_by_role("link", name="Refuse…").click()
    page.fill("#reason", "the buyer may not hold important traffic data")
    page.check("#confirmed")
    page.click("form.confirm button[type=submit]")
    expect(page.locator("[data-done]")).to_have_attribute("data-done", "refused_by_regulator")
    expect(refused).to_have_count(0)
    holders = {r.right: r.holder for r in service.client().registration(registration_id).rights}
    assert holders == {"resource_holding": buyer.address, "processing_and_use": service.registrant.address}
