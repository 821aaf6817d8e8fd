"""The public pages in Chromium: verify in the browser, the certificate with its PDF and QR code, the
catalogue's filters, and no serious accessibility violation on any of them."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Request, expect
from pypdf import PdfReader
from web3 import Web3

from ledger.manifest.data import commit_folder

from ..e2e.conftest import Service, eventually
from .conftest import Certified, axe_violations, certify, register_file

pytestmark = pytest.mark.integration


def _verify_file(page: Page, path: Path) -> str:
    """Chooses the file in the verify box; returns the hash the browser computed (it then looks it up)."""
    page.goto("/verify")
    page.set_input_files("#file", str(path))
    page.wait_for_url("**/verify?q=*", timeout=120_000)
    return page.input_value("#q")


@pytest.mark.parametrize("size", [0, 1, 5 * 1024 * 1024 + 3])
def test_the_browser_hashes_a_file_as_sha256sum_does(page: Page, tmp_path: Path, size: int) -> None:
    path = tmp_path / f"data-{size}.bin"
    path.write_bytes(os.urandom(size))
    sha256sum = subprocess.run(["sha256sum", str(path)], check=True, capture_output=True, text=True).stdout.split()[0]
    assert _verify_file(page, path) == sha256sum
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "not_registered")


def test_the_browser_commits_to_a_folder_as_drl_register_does(page: Page, tmp_path: Path) -> None:
    folder = tmp_path / "交通数据"
    (folder / "2024" / "一月").mkdir(parents=True)
    (folder / "README.txt").write_bytes(b"hourly counts\n")
    (folder / "2024" / "一月" / "s1.csv").write_bytes(os.urandom(3 * 1024 * 1024))
    (folder / "2024" / "empty.csv").write_bytes(b"")
    page.goto("/verify")
    page.set_input_files("#folder", str(folder))
    page.wait_for_url("**/verify?q=*", timeout=120_000)
    assert "0x" + page.input_value("#q") == commit_folder(folder).root


def test_a_registered_file_reads_certified_and_current(page: Page, tmp_path: Path, certified: Certified) -> None:
    path = tmp_path / "registered.csv"
    path.write_bytes(certified.data)
    _verify_file(page, path)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "certified")
    expect(page.locator("main")).to_contain_text(certified.title)
    expect(page.locator(".timeline")).to_contain_text("RegistrationCertified")
    assert axe_violations(page) == []


def test_a_registration_in_public_notice_reads_so_and_is_listed_with_its_end_date(page: Page, service: Service) -> None:
    registration_id = register_file(service, "公示中的数据 notice", b"road,count\nnotice page,1\n")
    page.goto(f"/verify?q=reg:{registration_id}&lang=en")
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "under_review")
    assert service.client("reviewer").accept(registration_id).status == "mined"
    assert service.client("authority").approve(registration_id).status == "mined"
    eventually(lambda: service.client().registration(registration_id).status == "public_notice")
    page.goto(f"/verify?q=reg:{registration_id}")
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "public_notice")
    expect(page.locator(".verdict-word")).to_have_text("In public notice")
    page.goto("/notices")
    row = page.locator("#results tr", has_text=f"reg:{registration_id}")
    expect(row).to_contain_text("公示中的数据 notice")
    expect(row.locator("time")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$"))
    assert axe_violations(page) == []


def test_a_frozen_registration_reads_frozen_and_no_longer_certified(
    page: Page, service: Service, w3: Web3, tmp_path: Path
) -> None:
    data = b"road,count\nfrozen page,1\n"
    registration_id = register_file(service, "冻结的数据 frozen", data)
    certify(service, w3, registration_id)
    path = tmp_path / "frozen.csv"
    path.write_bytes(data)
    _verify_file(page, path)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "certified")
    assert service.client("regulator").freeze(registration_id, "under investigation").status == "mined"
    eventually(lambda: service.client().registration(registration_id).status == "frozen")
    page.reload()
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "frozen")
    expect(page.locator(".timeline")).to_contain_text("RegistrationFrozen")


def test_the_certificate_page_prints_the_number_name_statement_and_a_qr_code_to_itself(
    page: Page, certified: Certified, service: Service
) -> None:
    page.goto(f"/certificates/{certified.number}")
    expect(page.locator("#certificate-number")).to_have_text(str(certified.number))
    expect(page.locator("#data-name")).to_have_text(certified.title)
    expect(page.locator(".statement")).to_contain_text("not conclusive title")
    expect(page.locator(".qr svg")).to_be_visible()
    assert axe_violations(page) == []
    target = page.locator("#qr-target").get_attribute("href")
    assert target == f"{service.runtime.settings.public_base_url.rstrip('/')}/certificates/{certified.number}"
    page.goto(f"/certificates/{certified.number}")  # the QR target's path on this service
    expect(page.locator("#certificate-number")).to_have_text(str(certified.number))


def test_the_certificate_pdf_carries_its_number_and_data_name_in_chinese(page: Page, certified: Certified) -> None:
    page.goto(f"/certificates/{certified.number}")
    with page.expect_download(timeout=180_000) as download:
        page.click("#pdf-link")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 1, "the certificate prints on one sheet"
    text = "".join(p.extract_text() for p in pages)
    assert str(certified.number) in text
    assert certified.title in text
    assert "数据产权登记证书" in text


def test_an_unknown_certificate_is_a_404_page(page: Page) -> None:
    response = page.goto("/certificates/199901010001")
    assert response is not None
    assert response.status == 404


def test_the_catalogue_filters_by_search_and_origin(page: Page, certified: Certified) -> None:
    page.goto("/catalogue")
    assert axe_violations(page) == []
    page.fill("#f-q", certified.title)
    page.click("button[type=submit]")
    expect(page.locator("#results")).to_contain_text(certified.title)
    expect(page.locator(f"#results a[href='/certificates/{certified.number}']")).to_be_visible()
    page.select_option("#f-origin", "personal")
    expect(page.locator("#results")).not_to_contain_text(certified.title)
    assert "origin=personal" in page.url


@pytest.mark.parametrize("path", ["/", "/verify", "/notices", "/verify?q=reg:1&lang=en"])
def test_public_pages_have_no_serious_accessibility_violation(page: Page, service: Service, path: str) -> None:
    page.goto(path)
    assert axe_violations(page) == []


def test_docs_render_from_local_assets_with_an_authorize_button(page: Page) -> None:
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    page.goto("/docs")
    expect(page.locator("button.authorize")).to_be_visible(timeout=60_000)
    page.goto("/redoc")
    expect(page.locator("h1")).to_contain_text("Data Rights Ledger", timeout=60_000)
    page.wait_for_load_state("networkidle")
    base = page.url.split("/redoc")[0]
    # A request the page's content security policy stopped in the browser never left the machine.
    leaving = [
        r.url for r in requests if r.url.startswith("http") and not r.url.startswith(base) and r.failure != "csp"
    ]
    assert leaving == []


def test_pages_speak_chinese_by_default_and_remember_a_switch_to_english(page: Page) -> None:
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("nav").first).to_contain_text("数据目录")
    page.get_by_role("link", name="English").click()
    expect(page.locator("nav").first).to_contain_text("Data catalogue")
    page.goto("/notices")
    expect(page.locator("h1")).to_have_text("Public notices")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("h1")).to_have_text("公示")
    page.goto("/verify?q=reg:1")
    page.get_by_role("link", name="English").click()
    expect(page.locator("#q")).to_have_value("reg:1")
    expect(page.locator("h1")).to_have_text("Verify")


def test_the_openapi_schema_offers_a_bearer_scheme_instead_of_an_authorization_parameter(service: Service) -> None:
    schema = httpx.get(f"{service.url}/openapi.json").json()
    assert schema["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (`drl tokens create`)",
    }
    parameters = [
        p["name"].lower() for path in schema["paths"].values() for op in path.values() for p in op.get("parameters", [])
    ]
    assert "authorization" not in parameters


def test_a_token_of_another_scheme_is_still_refused_not_taken_as_anonymous(service: Service) -> None:
    response = httpx.get(
        f"{service.url}/v1/review/queue", headers={"Authorization": f"Basic {service.tokens['reviewer']}"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
