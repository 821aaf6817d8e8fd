"""Objections from the public during a notice (公示期异议): anyone may object on the notice page with a reason and
the SHA-256 of their evidence (hashed in the browser) while the notice runs; after it ends, or before it begins, the
page says so clearly and nothing is kept."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from web3 import Web3

from ledger.public_objections import public_objections

from ..e2e.conftest import Service, eventually
from ..integration.registry import advance_time
from .conftest import axe_violations, register_file

pytestmark = pytest.mark.integration


def _in_notice(service: Service, title: str) -> int:
    registration_id = register_file(service, title, f"road,count\n{title},1\n".encode())
    assert service.client("reviewer").accept(registration_id).status == "mined"
    assert service.client("authority").approve(registration_id).status == "mined"
    eventually(lambda: service.client().registration(registration_id).status == "public_notice")
    return registration_id


def _kept(service: Service, registration_id: int) -> list[tuple[str, str]]:
    with service.runtime.sessions() as session:
        return [(o.reason, o.evidence_digest) for o in public_objections(session, registration_id)]


def test_anyone_objects_during_the_notice_with_a_reason_and_evidence_hashed_in_the_browser(
    page: Page, service: Service, tmp_path: Path
) -> None:
    registration_id = _in_notice(service, "异议测试数据 objection")
    page.goto("/notices")
    page.locator("#results a", has_text="异议测试数据 objection").click()
    expect(page).to_have_url(f"{service.url}/notices/{registration_id}")
    assert axe_violations(page) == []
    evidence = tmp_path / "contract.pdf"
    evidence.write_bytes(b"%PDF our earlier licence of this data")
    digest = "0x" + hashlib.sha256(evidence.read_bytes()).hexdigest()
    page.fill("#reason", "这些数据由我方采集。We collected this data.")
    page.set_input_files("#evidence-file", str(evidence))
    expect(page.locator("#evidence-digest")).to_have_value(digest, timeout=30_000)
    page.click("#object-submit")
    expect(page.locator("[data-outcome]")).to_have_attribute("data-outcome", "received")
    expect(page.locator("#receipt-evidence")).to_have_text(digest)
    assert _kept(service, registration_id) == [("这些数据由我方采集。We collected this data.", digest)]
    assert axe_violations(page) == []


def test_a_form_without_a_reason_or_a_well_formed_digest_is_answered_beside_each_field(
    page: Page, service: Service
) -> None:
    registration_id = _in_notice(service, "异议表单校验 form")
    page.goto(f"/notices/{registration_id}?lang=en")
    page.fill("#evidence-digest", "0x1234")
    page.click("#object-submit")
    expect(page.locator("#reason")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reason-error")).to_contain_text("Give the reason")
    expect(page.locator("#evidence-error")).to_contain_text("64 hexadecimal digits")
    expect(page.locator("#evidence-digest")).to_have_value("0x1234")
    assert axe_violations(page) == []
    assert _kept(service, registration_id) == []


def test_after_the_notice_ends_an_objection_is_refused_with_the_end_date_and_nothing_is_kept(
    page: Page, service: Service, w3: Web3
) -> None:
    registration_id = _in_notice(service, "公示结束 ended")
    page.goto(f"/notices/{registration_id}?lang=en")
    page.fill("#reason", "too late")
    page.fill("#evidence-digest", "0x" + "ab" * 32)
    advance_time(w3, 8 * 86_400)  # the notice period (7 days) passes while the form is open
    with page.expect_response(f"**/notices/{registration_id}/objections") as answer:
        page.click("#object-submit")
    assert answer.value.status == 409
    expect(page.locator("[data-outcome]")).to_have_attribute("data-outcome", "closed")
    expect(page.locator(".verdict-word")).to_have_text("The public notice has ended")
    expect(page.locator("#notice-ended")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$"))
    assert _kept(service, registration_id) == []
    page.goto(f"/notices/{registration_id}")
    expect(page.locator("#notice-closed")).to_be_visible()
    expect(page.locator("#objection-form")).to_have_count(0)


def test_an_application_not_yet_in_notice_takes_no_objection(service: Service) -> None:
    registration_id = register_file(service, "审核中 under review", b"road,count\nnot yet in notice,1\n")

    answer = httpx.post(
        f"{service.url}/notices/{registration_id}/objections?lang=en",
        data={"reason": "early", "evidence_digest": "0x" + "cd" * 32},
    )
    assert answer.status_code == 409
    assert "This application is not in public notice" in answer.text
    assert _kept(service, registration_id) == []
