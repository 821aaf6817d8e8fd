"""The signed-in pages in Chromium: sign-in with an API token into a session, CSRF on every form, revocation
ending the session, the authority's queue certifying (and publishing the certificate) in one step, and the
regulator's dashboard freezing behind a confirmation, with the verify page following."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import httpx
import pytest
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Page, expect
from web3 import Web3

from api.tokens import Role, find_token, issue_token, revoke_token

from ..e2e.conftest import Service
from ..factories import manifest_fields
from ..integration.registry import advance_time
from .conftest import axe_violations, certify, register_file, with_wallet

pytestmark = pytest.mark.integration


def sign_in(page: Page, token: str, next_path: str = "") -> None:
    """Signs the page's browser in through the sign-in form, by keyboard."""
    page.goto(f"/signin?next={next_path}" if next_path else "/signin")
    page.fill("#token", token)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_signing_in_opens_the_persons_page_with_a_strict_httponly_cookie(
    page: Page, service: Service, admin: LocalAccount
) -> None:
    page.goto("/signin")
    assert axe_violations(page) == []
    sign_in(page, service.tokens["regulator"])
    assert page.url.endswith("/regulator")
    cookie = next(c for c in page.context.cookies() if c["name"] == "drl_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    page.goto("/signin")
    expect(page.locator("main")).to_contain_text(admin.address)
    page.get_by_role("button", name="退出登录").click()
    page.goto("/regulator")
    assert "/signin" in page.url


def test_a_bad_token_is_refused_with_a_sentence_and_no_session(page: Page, service: Service) -> None:
    page.goto("/signin?lang=en")
    page.fill("#token", "drl_not-a-token")
    page.click("main button[type=submit]")
    expect(page.locator("#signin-error")).to_contain_text("not valid")
    assert [c for c in page.context.cookies() if c["name"] == "drl_session"] == []


def test_a_form_post_without_the_csrf_token_is_refused_and_changes_nothing(page: Page, service: Service) -> None:
    registration_id = register_file(service, "CSRF 测试 csrf", b"road,count\ncsrf page,1\n")
    sign_in(page, service.tokens["authority"])
    refused = page.request.post(f"/authority/registrations/{registration_id}/accept", form={})
    assert refused.status == 403
    forged = page.request.post(f"/authority/registrations/{registration_id}/accept", form={"csrf": "forged"})
    assert forged.status == 403
    assert service.client().registration(registration_id).status == "submitted"
    signin_without_csrf = httpx.post(f"{service.url}/signin", data={"token": service.tokens["authority"]})
    assert signin_without_csrf.status_code == 403
    assert "drl_session" not in signin_without_csrf.cookies


def test_revoking_the_token_ends_the_session_at_the_next_request(page: Page, service: Service) -> None:
    with service.runtime.sessions.begin() as session:
        token = issue_token(session, service.registrant.address, [Role.REGISTRANT], "revoked in a test")
    sign_in(page, token)
    assert page.url.endswith("/portal")
    expect(page.locator("h1")).to_have_text("我的登记")
    with service.runtime.sessions.begin() as session:
        row = find_token(session, token)
        assert row is not None
        assert revoke_token(session, row.id)
    response = page.goto("/portal")
    assert response is not None
    assert "/signin" in page.url
    assert page.request.post("/signout", form={}).status == 403  # no session left to sign out of


def test_the_authority_certifies_from_the_queue_and_the_certificate_is_published_in_the_same_step(
    page: Page, service: Service, w3: Web3
) -> None:
    title = "审核队列 queue"
    registration_id = register_file(service, title, b"road,count\nqueue page,1\n")
    sign_in(page, service.tokens["authority"], "/authority?lang=en")
    row = page.locator(f"#reg-{registration_id}")
    expect(row).to_contain_text(title)
    assert axe_violations(page) == []
    row.get_by_role("button", name="Accept for review").click()
    expect(page.locator("[data-done]")).to_have_attribute("data-done", "accepted")
    page.locator(f"#reg-{registration_id}").get_by_role("button", name="Approve and start public notice").click()
    expect(page.locator("[data-done]")).to_have_attribute("data-done", "approved")
    certify_button = page.locator(f"#notice-{registration_id}").get_by_role("button")
    certify_button.click()  # the notice period is still open: the contract's refusal reads as a sentence
    expect(page.locator("[data-refused]")).to_have_attribute("data-refused", "NoticeWindowOpen")
    expect(page.locator("[data-refused]")).to_contain_text("public notice period has not ended")
    advance_time(w3, 8 * 86_400)
    page.locator(f"#notice-{registration_id}").get_by_role("button").click()
    expect(page.locator("[data-done]")).to_have_attribute("data-done", "certified", timeout=60_000)
    number = page.url.split("certificate=")[1].split("&")[0]
    document = service.client()._call("GET", f"/v1/certificates/{number}/document")
    assert document["registration_id"] == registration_id
    page.get_by_role("link", name=f"Certificate {number}").click()
    expect(page.locator("#certificate-number")).to_have_text(number)


def test_the_regulator_freezes_from_the_dashboard_after_confirming_and_verify_reads_frozen(
    page: Page, service: Service, w3: Web3
) -> None:
    registration_id = register_file(service, "监管冻结 dashboard", b"road,count\ndashboard page,1\n")
    certify(service, w3, registration_id)
    sign_in(page, service.tokens["regulator"], "/regulator?lang=en")
    expect(page.locator("#by-status svg")).to_be_visible()
    assert axe_violations(page) == []
    page.locator(f"#actionable #reg-{registration_id}").get_by_role("link", name="Freeze…").click()
    assert axe_violations(page) == []
    csrf = page.locator("form.confirm input[name=csrf]").input_value()
    unconfirmed = page.request.post(
        f"/regulator/registrations/{registration_id}/freeze", form={"csrf": csrf, "reason": "not confirmed"}
    )
    assert unconfirmed.url.endswith(f"/regulator/registrations/{registration_id}/freeze")  # back to the question
    assert service.client().registration(registration_id).status == "certified"
    page.fill("#reason", "under investigation from the dashboard")
    page.check("#confirmed")
    page.click("form.confirm button[type=submit]")
    expect(page.locator("[data-done]")).to_have_attribute("data-done", "frozen")
    page.goto(f"/verify?q=reg:{registration_id}")
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "frozen")
    page.goto(f"/regulator?registration={registration_id}&kind=RegistrationFrozen&lang=en")
    expect(page.locator("#events")).to_contain_text("RegistrationFrozen")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export as CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [r["event"] for r in rows] == ["RegistrationFrozen"]
    assert rows[0]["registration_id"] == str(registration_id)


def test_a_person_without_the_role_gets_a_403_page_not_the_dashboard(page: Page, service: Service) -> None:
    sign_in(page, service.tokens["registrant"], "/regulator")
    response = page.goto("/regulator")
    assert response is not None
    assert response.status == 403
    assert axe_violations(page) == []


def test_the_registrant_portal_lists_my_registrations(page: Page, service: Service) -> None:
    registration_id = register_file(service, "门户 portal", b"road,count\nportal page,1\n")
    sign_in(page, service.tokens["registrant"])
    expect(page.locator(f"#registrations #reg-{registration_id}")).to_contain_text("门户 portal")
    assert axe_violations(page) == []


def test_a_registrant_registers_from_the_portal_signing_with_a_browser_wallet(
    page: Page, service: Service, tmp_path: Path
) -> None:
    """The wallet is an EIP-1193 provider injected into the page that signs with the registrant's test key."""
    account = service.registrant
    with_wallet(page, account)
    data = tmp_path / "portal.csv"
    data.write_bytes(b"road,count\nregistered from the portal,1\n")
    fields = manifest_fields(account.address, title="门户登记 wallet")
    for bound in ("registrant", "data_commitment", "created_at"):
        fields.pop(bound)
    metadata = tmp_path / "metadata.json"
    metadata.write_text(json.dumps(fields, default=str, ensure_ascii=False))
    sign_in(page, service.tokens["registrant"], "/portal/register?lang=en")
    assert axe_violations(page) == []
    page.set_input_files("#metadata", str(metadata))
    page.set_input_files("#data", str(data))
    page.click("#prepare")
    expect(page.locator("#signing-title")).to_have_text("Step 1: sign the manifest", timeout=60_000)
    expect(page.locator("#to-sign")).to_contain_text(account.address)
    page.click("#sign-wallet")
    expect(page.locator("#signing-title")).to_have_text("Step 2: sign the application")
    expect(page.locator("#to-sign")).to_contain_text("resource holding, processing and use")
    assert axe_violations(page) == []
    page.click("#sign-wallet")
    expect(page.locator("#result")).to_have_attribute("data-registration-id", re.compile(r"^\d+$"), timeout=60_000)
    registration_id = int(page.locator("#result").get_attribute("data-registration-id") or 0)
    report = service.client().registration(registration_id)
    assert report.registrant == account.address
    assert report.status == "submitted"
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    assert registration_id in [m.registration_id for m in service.client().verify_sha256(digest).matches]


def test_a_script_call_of_the_portal_without_the_csrf_header_is_refused(page: Page, service: Service) -> None:
    sign_in(page, service.tokens["registrant"])
    refused = page.request.post("/portal/drafts", data={"title": "no csrf"})
    assert refused.status == 403
    assert refused.json()["code"] == "csrf_refused"


def test_a_write_with_wait_is_answered_once_the_index_shows_it(service: Service, w3: Web3) -> None:
    registration_id = register_file(service, "等待索引 wait", b"road,count\nwait for the index,1\n")
    accepted = httpx.post(
        f"{service.url}/v1/registrations/{registration_id}/accept",
        params={"wait": "true"},
        headers={"Authorization": f"Bearer {service.tokens['reviewer']}"},
        timeout=60,
    )
    assert accepted.json()["status"] == "mined"
    assert service.client().registration(registration_id).status == "under_review"  # read at once, no polling


def test_signing_in_never_sends_the_browser_to_another_site(service: Service) -> None:
    with httpx.Client(base_url=service.url) as browser:
        form = browser.get("/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        answer = browser.post(
            "/signin",
            data={"token": service.tokens["regulator"], "csrf": csrf.group(1), "next": "//evil.example/"},
        )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/regulator"


def test_a_page_form_larger_than_a_json_body_is_cut_off_at_the_door(service: Service) -> None:
    """Forms of the pages are no uploads: an anonymous sign-in POST gets the JSON cap (1 MiB), not the upload cap."""
    cap = service.runtime.settings.max_json_body_bytes
    answer = httpx.post(f"{service.url}/signin", data={"token": "x" * (cap + 1)}, timeout=60)
    assert answer.status_code == 413
    assert answer.json()["code"] == "body_too_large"
