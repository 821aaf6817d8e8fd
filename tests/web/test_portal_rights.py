"""The portal's pages for rights in Chromium, on the real stack: a transfer signed by both holders' wallets from
their own portals (two browsers), a licence granted and revoked by its licensor through custody, a pledge signed
by the holder's wallet (a transfer of the pledged right refused with the contract's rule as a sentence) and
released by the pledgee.
Every page is checked with axe-core; each test saves screenshots of both parties' pages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Browser, Page, expect
from web3 import Web3

from api.tokens import Role, issue_token
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from ..e2e.conftest import Service, eventually
from ..factories import manifest_fields
from ..integration.registry import transact
from .conftest import axe_violations, certify, register_file
from .test_signed_in_portal import sign_in

pytestmark = pytest.mark.integration
NEW_HOLDER = dev_account(17, LOCAL_CHAIN_ID)


def with_wallet(page: Page, account: LocalAccount) -> Page:
    """An EIP-1193 provider injected into the page that signs typed data with `account`'s test key."""

    def sign_typed_data(typed: str) -> str:
        return "0x" + account.sign_typed_data(full_message=json.loads(typed)).signature.hex().removeprefix("0x")

    page.expose_function("testWalletSign", sign_typed_data)
    page.add_init_script(
        f"""window.ethereum = {{request: async ({{method, params}}) => {{
            if (method === "eth_requestAccounts") return ["{account.address}"];
            if (method === "eth_signTypedData_v4") return await window.testWalletSign(params[1]);
            throw new Error("unsupported " + method);
        }}}};"""
    )
    return page


@pytest.fixture
def second_page(browser: Browser, service: Service, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Page]:
    """The other party's browser: a context of its own (its own cookies), screenshot saved at the end."""
    context = browser.new_context(base_url=service.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    page.screenshot(path=tmp_path / f"{request.node.name}-other-party.png", full_page=True)
    context.close()


@pytest.fixture(scope="module")
def new_holder_token(service: Service, w3: Web3, admin: LocalAccount) -> str:
    access = service.chain.deployment.contract(w3, "LedgerAccess")
    transact(w3, admin, access.functions.admitParty(NEW_HOLDER.address, Web3.keccak(text="portal new holder")))
    with service.runtime.sessions.begin() as session:
        return issue_token(session, NEW_HOLDER.address, [Role.REGISTRANT], "portal new holder")


def certified_of(service: Service, w3: Web3, title: str) -> int:
    registration_id = register_file(service, title, f"road,count\n{title},1\n".encode())
    certify(service, w3, registration_id)
    return registration_id


def holder_of(service: Service, registration_id: int, right: str) -> Any:
    return next(r for r in service.client().registration(registration_id).rights if r.right == right)


def test_a_transfer_is_signed_by_both_holders_wallets_from_their_own_portals(
    page: Page, second_page: Page, service: Service, w3: Web3, new_holder_token: str
) -> None:
    registration_id = certified_of(service, w3, "门户转让 transfer")
    holder = with_wallet(page, service.registrant)
    sign_in(holder, service.tokens["registrant"], "/portal/rights?lang=en")
    expect(holder.locator(f"#right-{registration_id}-resource_holding")).to_be_visible()
    assert axe_violations(holder) == []
    holder.locator(f"#right-{registration_id}-resource_holding").get_by_role("link", name="Transfer…").click()
    holder.fill("#new_holder", "not an address")
    holder.fill("#agreement", "sale 2026-portal, price CNY 10,000")
    holder.click("#prepare")
    expect(holder.locator("#err-new_holder")).to_be_visible()  # beside its field
    holder.fill("#new_holder", NEW_HOLDER.address)
    holder.click("#prepare")
    expect(holder.locator("#to-sign")).to_contain_text(NEW_HOLDER.address)
    expect(holder.locator("#to-sign")).to_contain_text("Data resource holding right")
    expect(holder.locator("#err-new_holder")).to_be_hidden()
    assert axe_violations(holder) == []
    holder.click("#sign-wallet")
    expect(holder.locator("#result")).to_have_attribute("data-state", "awaiting_new_holder")

    other = with_wallet(second_page, NEW_HOLDER)
    sign_in(other, new_holder_token, "/portal/rights?lang=en")
    awaiting = other.locator("#awaiting").get_by_role("link", name=f"reg:{registration_id}", exact=False)
    awaiting.click()
    expect(other.locator("#to-sign")).to_contain_text(service.registrant.address)
    expect(other.locator("#to-sign")).to_contain_text(
        "0x" + hashlib.sha256(b"sale 2026-portal, price CNY 10,000").hexdigest()
    )
    assert axe_violations(other) == []
    other.click("#sign-wallet")
    expect(other.locator("#offer-state")).to_have_attribute("data-state", "awaiting_authority", timeout=60_000)

    base = f"/v1/registrations/{registration_id}/rights/resource_holding"
    assert service.client("authority").post_write(f"{base}/transfer/approval").status == "mined"
    eventually(lambda: holder_of(service, registration_id, "resource_holding").holder == NEW_HOLDER.address)
    holder.goto("/portal/rights?lang=en")
    expect(holder.locator("#offers [data-state]").first).to_have_attribute("data-state", "done")
    assert axe_violations(holder) == []


def test_a_licensor_grants_and_revokes_a_licence_through_custody(page: Page, service: Service, w3: Web3) -> None:
    licensor = dev_account(9, LOCAL_CHAIN_ID)  # the e2e service holds its key
    title = "门户许可 licence"
    data = b"road,count\nportal licence,1\n"
    fields = manifest_fields(
        licensor.address,
        title=title,
        data_commitment={
            "scheme": "sha256",
            "root": "0x" + hashlib.sha256(data).hexdigest(),
            "file_count": 1,
            "total_bytes": len(data),
        },
    )
    fields.pop("registrant")
    draft = service.client("custodial").register(json.loads(json.dumps(fields, default=str)), licensor)
    registration_id = int(eventually(lambda: service.client("custodial").draft(draft["id"])["registration_id"]))
    certify(service, w3, registration_id)

    sign_in(
        page,
        service.tokens["custodial"],
        f"/portal/registrations/{registration_id}/rights/processing_and_use/licence?lang=en",
    )
    assert axe_violations(page) == []
    page.fill("#licensee", service.registrant.address)
    page.fill("#scope", "analytics, mainland China")
    page.fill("#starts_at", "2026-12-01")
    page.fill("#ends_at", "2027-11-30")
    page.click("#prepare")
    expect(page.locator("#to-sign")).to_contain_text("Non-exclusive")
    expect(page.locator("#to-sign")).to_contain_text("2027-11-30 00:00 UTC")
    expect(page.locator("#sign-wallet")).to_be_hidden()  # no wallet in this browser
    page.click("#sign-custody")
    expect(page.locator("#result")).to_have_attribute("data-done", "mined", timeout=60_000)
    expect(page.locator("#result")).to_contain_text("recorded on chain in block")

    page.goto("/portal/rights?lang=en")
    row = page.locator("#licences tr", has_text=f"reg:{registration_id}")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "granted")
    assert axe_violations(page) == []
    row.get_by_role("link", name="Revoke…").click()
    page.fill("#reason", "the licensee stopped paying")
    page.click("#prepare")  # the wallet path waits for the signed revocation; custody needs no typed data
    page.click("#sign-custody")
    expect(page.locator("#result")).to_have_attribute("data-done", "mined", timeout=60_000)
    assert axe_violations(page) == []
    page.goto("/portal/rights?lang=en")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "revoked")


def test_a_pledge_signed_by_the_holders_wallet_is_released_by_the_pledgee(
    page: Page, second_page: Page, service: Service, w3: Web3, admin: LocalAccount
) -> None:
    registration_id = certified_of(service, w3, "门户质押 pledge")
    holder = with_wallet(page, service.registrant)
    pledge_page = f"/portal/registrations/{registration_id}/rights/resource_holding/encumbrance?lang=en"
    sign_in(holder, service.tokens["registrant"], pledge_page)
    holder.select_option("#kind", "pledge")
    holder.fill("#creditor", admin.address)
    holder.fill("#agreement", "loan 2026-portal")
    holder.click("#prepare")
    expect(holder.locator("#to-sign")).to_contain_text("Pledge")
    assert axe_violations(holder) == []
    holder.click("#sign-wallet")
    expect(holder.locator("#result")).to_have_attribute("data-done", "mined", timeout=60_000)
    assert holder_of(service, registration_id, "resource_holding").encumbrance == "pledge"

    # The holder offers the pledged right to the pledgee: signing it, the pledgee reads the contract's refusal.
    holder.goto(f"/portal/registrations/{registration_id}/rights/resource_holding/transfer?lang=en")
    holder.fill("#new_holder", admin.address)
    holder.fill("#agreement", "sale of the pledged right")
    holder.click("#prepare")
    holder.click("#sign-wallet")
    expect(holder.locator("#result")).to_have_attribute("data-state", "awaiting_new_holder")

    pledgee = second_page
    sign_in(pledgee, service.tokens["creditor"], "/portal/rights?lang=en")
    row = pledgee.locator(f"#pledge-{registration_id}-resource_holding")
    expect(row).to_contain_text(service.registrant.address[:10])
    assert axe_violations(pledgee) == []
    pledgee.locator("#awaiting").get_by_role("link", name=f"reg:{registration_id}", exact=False).click()
    pledgee.click("#sign-custody")
    expect(pledgee.locator("#problem")).to_have_attribute("data-rule", "RightIsEncumbered", timeout=60_000)
    expect(pledgee.locator("#problem")).to_contain_text("pledged or in trust")
    assert axe_violations(pledgee) == []
    pledgee.goto("/portal/rights?lang=en")
    row.get_by_role("link", name="Release…").click()
    pledgee.click("#prepare")
    pledgee.click("#sign-custody")
    expect(pledgee.locator("#result")).to_have_attribute("data-done", "mined", timeout=60_000)
    assert holder_of(service, registration_id, "resource_holding").encumbrance == "none"
