"""The regulator's dashboard in Chromium beyond freezing (which tests/web/test_signed_in_portal.py drives): a
party's suspension behind a confirmation that asks for the reason."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Page, expect
from web3 import Web3

from ..e2e.conftest import Service, eventually
from ..integration.registry import transact
from .conftest import axe_violations
from .test_signed_in_portal import sign_in

pytestmark = pytest.mark.integration


def admit_fresh_party(service: Service, admin: LocalAccount) -> str:
    """Admits a new account as a party (as the authority would) and returns its address."""
    party: LocalAccount = Account.create()
    access = service.chain.deployment.contract(service.chain.w3, "LedgerAccess")
    transact(service.chain.w3, admin, access.functions.admitParty(party.address, Web3.keccak(text=party.address)))
    return party.address


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
