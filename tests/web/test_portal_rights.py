"""The portal's pages for rights in Chromium, on the real stack: a transfer signed by both holders' wallets from
their own portals (two browsers), a licence granted and revoked by its licensor through custody, a pledge signed
by the holder's wallet (a transfer of the pledged right refused with the contract's rule as a sentence) and
released by the pledgee's wallet (a signed `Release`, relayed).
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
from ledger import transfer_offers
from ledger.chain.transactions import send_and_wait
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from ..e2e.conftest import Service, eventually
from ..factories import manifest_fields
from ..integration.registry import advance_time, transact
from .conftest import axe_violations, certify, register_file, with_wallet
from .test_signed_in_portal import sign_in

pytestmark = pytest.mark.integration
NEW_HOLDER = dev_account(17, LOCAL_CHAIN_ID)


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


def test_a_pledge_signed_by_the_holders_wallet_is_released_by_the_pledgees_wallet(
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

    pledgee = with_wallet(second_page, admin)  # the pledgee signs its release in its own wallet, relayed
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
    expect(pledgee.locator("#to-sign")).to_contain_text(admin.address)
    pledgee.click("#sign-wallet")
    expect(pledgee.locator("#result")).to_have_attribute("data-done", "mined", timeout=60_000)
    assert holder_of(service, registration_id, "resource_holding").encumbrance == "none"


def test_a_holder_files_an_annual_review_from_the_portal_with_a_wallet(page: Page, service: Service, w3: Web3) -> None:
    registration_id = certified_of(service, w3, "门户年审 annual review")
    advance_time(w3, 30 * 86_400)  # a review filed in the second of certification is too early
    holder = with_wallet(page, service.registrant)
    sign_in(
        holder,
        service.tokens["registrant"],
        f"/portal/registrations/{registration_id}/holder-actions/annual-review?lang=en",
    )
    holder.fill("#report", "annual review 2026: the data is maintained")
    holder.click("#prepare")
    digest = "0x" + hashlib.sha256(b"annual review 2026: the data is maintained").hexdigest()
    expect(holder.locator("#to-sign")).to_contain_text(digest)
    assert axe_violations(holder) == []
    holder.click("#sign-wallet")
    expect(holder.locator("#result")).to_have_attribute("data-done", "mined", timeout=60_000)
    events = service.client().registration(registration_id).history
    assert "AnnualReviewFiled" in [event.name for event in events]


def test_an_admitted_party_objects_on_chain_from_the_portal(page: Page, service: Service) -> None:
    registration_id = register_file(service, "门户异议 objection", b"road,count\nportal objection,1\n")
    assert service.client("reviewer").accept(registration_id).status == "mined"
    assert service.client("authority").approve(registration_id).status == "mined"
    eventually(lambda: service.client().registration(registration_id).status == "public_notice")
    sign_in(page, service.tokens["custodial"], "/portal/rights?lang=en")
    page.locator("#in-notice li", has_text=f"reg:{registration_id}").get_by_role("link", name="Object…").click()
    page.fill("#evidence", "we registered this data first, certificate 2026-001")
    page.click("#prepare")
    assert axe_violations(page) == []
    page.click("#sign-custody")
    expect(page.locator("#result")).to_have_attribute("data-done", "mined", timeout=60_000)
    assert service.client().registration(registration_id).status == "objected"


def test_a_party_without_custody_sends_its_objection_from_its_own_wallet(
    page: Page, service: Service, w3: Web3, admin: LocalAccount, new_holder_token: str
) -> None:
    registration_id = register_file(service, "门户钱包异议 wallet objection", b"road,count\nwallet objection,1\n")
    assert service.client("reviewer").accept(registration_id).status == "mined"
    assert service.client("authority").approve(registration_id).status == "mined"
    eventually(lambda: service.client().registration(registration_id).status == "public_notice")
    send_and_wait(w3, admin, {"to": NEW_HOLDER.address, "value": 10**18})  # the party pays its own gas
    objector = with_wallet(page, NEW_HOLDER, w3)  # an admitted party whose key the service does not hold
    sign_in(objector, new_holder_token, f"/portal/registrations/{registration_id}/objection?lang=en")
    expect(objector.locator("#custody-needed")).to_contain_text("your own wallet")
    objector.fill("#evidence", "our data, registered first, certificate 2026-002")
    objector.click("#prepare")
    expect(objector.locator("#sign-wallet")).to_have_text("Send from my wallet")
    assert axe_violations(objector) == []
    objector.click("#sign-wallet")
    expect(objector.locator("#result")).to_have_attribute("data-done", "mined", timeout=60_000)
    eventually(lambda: service.client().registration(registration_id).status == "objected")


def test_only_the_new_holder_may_see_or_sign_a_transfer_offer(
    page: Page, second_page: Page, service: Service, w3: Web3, new_holder_token: str
) -> None:
    registration_id = certified_of(service, w3, "门户转让权限 offer access")
    holder = with_wallet(page, service.registrant)
    sign_in(
        holder,
        service.tokens["registrant"],
        f"/portal/registrations/{registration_id}/rights/processing_and_use/transfer",
    )
    holder.fill("#new_holder", NEW_HOLDER.address)
    holder.fill("#agreement", "offer access")
    holder.click("#prepare")
    holder.click("#sign-wallet")
    expect(holder.locator("#result")).to_have_attribute("data-state", "awaiting_new_holder")
    offer_id = (holder.locator("#result a").get_attribute("href") or "").rsplit("/", 1)[-1]
    csrf = holder.locator("#action-form").get_attribute("data-csrf") or ""
    # The holder cannot countersign their own offer, with their own signature or anyone's.
    own = holder.request.post(
        f"/portal/transfer-offers/{offer_id}/countersignature",
        data={"signature": None},
        headers={"x-csrf-token": csrf},
    )
    assert own.status == 404
    # A third party neither sees the offer nor signs it.
    stranger = second_page
    sign_in(stranger, service.tokens["custodial"], "/portal/rights")
    stranger_csrf = stranger.locator("form.account input[name=csrf]").input_value()
    assert stranger.request.get(f"/portal/transfer-offers/{offer_id}").status == 404
    refused = stranger.request.post(
        f"/portal/transfer-offers/{offer_id}/countersignature",
        data={"signature": None},
        headers={"x-csrf-token": stranger_csrf},
    )
    assert refused.status == 404
    # The new holder's countersignature must be the new holder's: a signature by anyone else is refused.
    with service.runtime.sessions.begin() as session:
        typed = transfer_offers.view_of(
            session, service.runtime, transfer_offers.offer_of(session, offer_id, NEW_HOLDER.address), 0
        ).typed_data
    forged = "0x" + service.registrant.sign_typed_data(full_message=typed).signature.hex().removeprefix("0x")
    stranger.goto("/portal/rights")
    stranger.click("form.account button[type=submit]")  # signs out
    sign_in(stranger, new_holder_token, "/portal/rights")
    new_holder_csrf = stranger.locator("form.account input[name=csrf]").input_value()
    wrong = stranger.request.post(
        f"/portal/transfer-offers/{offer_id}/countersignature",
        data={"signature": forged},
        headers={"x-csrf-token": new_holder_csrf},
    )
    assert wrong.status == 422
    assert wrong.json()["code"] == "invalid_signature"
    assert holder_of(service, registration_id, "processing_and_use").holder == service.registrant.address
