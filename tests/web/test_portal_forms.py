"""The registration form of the portal in Chromium: generated from the manifest's schema, with the browser's
constraints and the service's field errors shown beside their fields; evidence uploads with their progress and
CIDs; sources picked from the catalogue; the catalogue's filters on the page and the API; and axe-core over every
page."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from ..e2e.conftest import Service, eventually
from .conftest import Certified, axe_violations, with_wallet
from .test_signed_in_portal import sign_in

pytestmark = pytest.mark.integration


def fill_form(page: Page, title: str, data: Path) -> None:
    """Fills every field of the generated form as a registrant would, with a valid enterprise data resource."""
    page.select_option("#m-kind", "resource")
    page.select_option("#m-origin", "enterprise")
    page.fill("#m-title", title)
    page.fill("#m-description", "Hourly counts of 40 road sections, from the operator's sensors.")
    page.fill("#m-category", "transport.traffic")
    page.fill("#m-industry", "G54")
    page.select_option("#m-update_frequency", "daily")
    page.select_option("#m-data_status", "cleansed")
    page.select_option("#m-tradability", "directly")
    page.fill("#m-business_owner", "上海交通数据有限公司")
    page.fill("#m-responsible_person", "张三")
    page.fill("#m-classification-category", "transport")
    page.select_option("#m-classification-grade", "general")
    page.fill("#m-source-description", "Roadside sensors owned by the registrant.")
    page.select_option("#m-source-collection_method", "self_collected")
    page.fill("#m-time_range-start", "2024-01-01")
    page.fill("#m-time_range-end", "2024-12-31")
    page.fill("#m-volume", "40 sections, 2 MB")
    page.fill("#m-formats", "csv, json")
    page.check("#m-rights_claimed-resource_holding")
    page.check("#m-rights_claimed-processing_and_use")
    page.set_input_files("#data", str(data))


def draft_of(page: Page, service: Service) -> dict[str, object]:
    """The draft the page is working on, read through the API as its registrant."""
    draft_id = page.locator("#signing").get_attribute("data-draft")
    answer = httpx.get(
        f"{service.url}/v1/drafts/{draft_id}", headers={"Authorization": f"Bearer {service.tokens['registrant']}"}
    )
    answer.raise_for_status()
    draft: dict[str, object] = answer.json()
    return draft


def sign_twice(page: Page) -> int:
    """Signs the manifest and the application with the wallet; the registration id the page shows."""
    page.click("#sign-wallet")
    expect(page.locator("#signing-title")).to_have_text("Step 2: sign the application")
    page.click("#sign-wallet")
    expect(page.locator("#result")).to_have_attribute("data-registration-id", re.compile(r"^\d+$"), timeout=60_000)
    return int(page.locator("#result").get_attribute("data-registration-id") or 0)


def test_a_registrant_registers_from_the_generated_form_with_errors_shown_beside_their_fields_until_fixed(
    page: Page, service: Service, tmp_path: Path
) -> None:
    with_wallet(page, service.registrant)
    data = tmp_path / "form.csv"
    data.write_bytes(b"road,count\nregistered from the generated form,1\n")
    sign_in(page, service.tokens["registrant"], "/portal/register?lang=en")
    assert axe_violations(page) == []
    fill_form(page, "表单登记 generated form", data)

    page.fill("#m-industry", "Z9")  # the browser's pattern refuses it: nothing is sent
    page.click("#prepare")
    expect(page.locator("#err-industry")).to_be_visible()
    expect(page.locator("#m-industry")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#signing")).to_be_hidden()
    page.fill("#m-industry", "G54")
    expect(page.locator("#err-industry")).to_be_hidden()

    page.fill("#m-time_range-end", "2023-06-30")  # before the start: only the service's model knows the rule
    page.click("#prepare")
    expect(page.locator("#err-time_range")).to_contain_text("end is before start", timeout=30_000)
    expect(page.locator("#signing")).to_be_hidden()
    assert axe_violations(page) == []
    page.locator("#err-time_range").scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "field-error.png")  # docs/img/portal-register-form.png
    page.fill("#m-time_range-end", "2024-12-31")
    page.click("#prepare")
    expect(page.locator("#signing-title")).to_have_text("Step 1: sign the manifest", timeout=60_000)
    expect(page.locator("#err-time_range")).to_be_hidden()

    manifest = draft_of(page, service)["manifest"]
    assert isinstance(manifest, dict)
    assert manifest["industry"] == "G54"
    assert manifest["formats"] == ["csv", "json"]
    assert manifest["time_range"] == {"start": "2024-01-01", "end": "2024-12-31"}
    with page.expect_download() as download:
        page.click("#salts-link")
    salts = {entry["field"]: entry for entry in json.loads(download.value.path().read_text())}
    owner = salts["business_owner"]
    opened = "0x" + hashlib.sha256(bytes.fromhex(owner["salt"][2:]) + "上海交通数据有限公司".encode()).hexdigest()
    assert opened == owner["commitment"] == manifest["business_owner"]["value"]

    registration_id = sign_twice(page)
    report = service.client().registration(registration_id)
    assert (report.registrant, report.origin, report.grade) == (service.registrant.address, "enterprise", "general")
    assert registration_id in [
        m.registration_id for m in service.client().verify_sha256(hashlib.sha256(data.read_bytes()).hexdigest()).matches
    ]


def test_evidence_files_are_uploaded_with_progress_to_100_percent_and_their_cids_shown(
    page: Page, service: Service, tmp_path: Path
) -> None:
    with_wallet(page, service.registrant)
    data = tmp_path / "evidence-data.csv"
    data.write_bytes(b"road,count\nregistered with evidence,1\n")
    sample, report = tmp_path / "sample.csv", tmp_path / "quality-report.txt"
    sample.write_bytes(b"road,count\nsample,1\n" * 100_000)  # about 2 MB: the upload reports progress
    report.write_text("Quality report: complete and consistent.\n")
    sign_in(page, service.tokens["registrant"], "/portal/register?lang=en")
    fill_form(page, "存证上传 evidence upload", data)
    page.click("#prepare")
    expect(page.locator("#evidence")).to_be_visible(timeout=60_000)
    page.select_option("#evidence-kind", "quality_report")
    page.fill("#evidence-agency", "Test Quality Lab")
    page.set_input_files("#evidence-files", [str(sample), str(report)])
    page.click("#upload-evidence")
    rows = page.locator("#uploads tbody tr")
    expect(rows).to_have_count(2)
    for row in (rows.nth(0), rows.nth(1)):
        expect(row).to_have_attribute("data-state", "stored", timeout=60_000)
        assert row.locator("progress").evaluate("bar => bar.value") == 100
    assert axe_violations(page) == []
    shown = [rows.nth(i).get_attribute("data-cid") for i in range(2)]
    expect(rows.nth(0)).to_contain_text(shown[0] or "no cid")
    evidence = draft_of(page, service)["manifest"]["evidence"]  # type: ignore[index]
    assert [item["cid"] for item in evidence] == shown
    assert [item["sha256"] for item in evidence] == [
        "0x" + hashlib.sha256(path.read_bytes()).hexdigest() for path in (sample, report)
    ]
    assert {item["kind"] for item in evidence} == {"quality_report"}
    registration_id = sign_twice(page)  # the manifest signed lists the evidence
    assert service.client().registration(registration_id).manifest.signature_valid


def test_a_source_picked_from_the_catalogue_becomes_a_parent_of_the_registration(
    page: Page, service: Service, tmp_path: Path, certified: Certified
) -> None:
    with_wallet(page, service.registrant)
    data = tmp_path / "derived.csv"
    data.write_bytes(b"road,count\nderived from a catalogue pick,1\n")
    sign_in(page, service.tokens["registrant"], "/portal/register?lang=en")
    fill_form(page, "目录选取来源 derived", data)
    page.select_option("#m-kind", "product")
    page.fill("#parent-q", certified.title)
    page.keyboard.press("Enter")  # searches; does not submit the registration
    add = page.get_by_role("button", name=f"Add as a source: reg:{certified.registration_id}")
    add.click()
    chosen = page.locator(f"#parents li[data-registration='{certified.registration_id}']")
    expect(chosen).to_contain_text("Certified")
    expect(chosen).to_contain_text(certified.title)
    expect(add).to_be_disabled()
    assert axe_violations(page) == []
    page.click("#prepare")
    expect(page.locator("#signing-title")).to_have_text("Step 1: sign the manifest", timeout=60_000)
    registration_id = sign_twice(page)
    assert eventually(lambda: service.client().registration(registration_id).parents) == [certified.registration_id]


def test_the_catalogue_filters_by_origin_grade_industry_and_holder_on_the_page_and_the_api(
    page: Page, service: Service, certified: Certified
) -> None:
    holder, stranger = service.registrant.address, "0x" + "ab" * 20
    matching = {"origin": "enterprise", "grade": "general", "industry": "G54", "holder": holder}
    missing = {"origin": "public", "grade": "important", "industry": "A01", "holder": stranger}
    api = service.client()
    for name in matching:
        assert api.catalogue(q=certified.title, **{name: matching[name]})["total"] >= 1
        assert api.catalogue(q=certified.title, **{name: missing[name]})["total"] == 0
    assert api.catalogue(q=certified.title, holder=holder.lower())["total"] >= 1  # any case
    assert api.catalogue(q=certified.title, industry="G")["total"] >= 1  # a section takes in its divisions (G54)
    assert httpx.get(f"{service.url}/v1/catalogue", params={"industry": "G5"}).status_code == 422  # not a code

    page.goto(f"/catalogue?lang=en&q={certified.title}")
    results = page.locator("#results")
    for select, good, bad in (("#f-origin", "enterprise", "public"), ("#f-grade", "general", "important")):
        page.select_option(select, bad)
        expect(results).not_to_contain_text(certified.title)
        page.select_option(select, good)
        expect(results).to_contain_text(certified.title)
    for field, good, bad in (
        ("#f-industry", "G", "A01"),
        ("#f-industry", "G54", "G55"),
        ("#f-holder", holder, stranger),
    ):
        page.fill(field, bad)
        page.get_by_role("button", name="Search").click()
        expect(results).not_to_contain_text(certified.title)
        page.fill(field, good)
        page.get_by_role("button", name="Search").click()
        expect(results).to_contain_text(certified.title)
    assert "industry=G54" in page.url
    assert axe_violations(page) == []
