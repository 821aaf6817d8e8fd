"""The catalogue filters by kind and status, and a registration's page draws its lineage: sources on the left,
derived products on the right, each box a link to its verification."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from web3 import Web3

from ..e2e.conftest import Service, eventually
from ..factories import manifest_fields
from .conftest import Certified, axe_violations, certify

pytestmark = pytest.mark.integration


def _register_derived(service: Service, title: str, parent: int) -> int:
    """A data product derived from `parent`, registered through the API."""
    data = f"road,count\n{title},1\n".encode()
    digest = "0x" + hashlib.sha256(data).hexdigest()
    commitment = {"scheme": "sha256", "root": digest, "file_count": 1, "total_bytes": len(data)}
    fields: dict[str, Any] = manifest_fields(
        service.registrant.address, title=title, kind="product", parents=[parent], data_commitment=commitment
    )
    fields.pop("registrant")
    service.client("registrant").register(json.loads(json.dumps(fields, default=str)), service.registrant)
    return int(eventually(lambda: [m.registration_id for m in service.client().verify_sha256(digest[2:]).matches])[-1])


def test_the_catalogue_filters_by_kind_and_lists_frozen_registrations_on_asking(
    page: Page, service: Service, w3: Web3, certified: Certified
) -> None:
    page.goto(f"/catalogue?lang=en&q={certified.title}")
    expect(page.locator("#results")).to_contain_text(certified.title)
    page.select_option("#f-kind", "data_product")
    expect(page.locator("#results")).not_to_contain_text(certified.title)
    assert "kind=data_product" in page.url
    page.select_option("#f-kind", "data_resource")
    expect(page.locator("#results")).to_contain_text(certified.title)
    assert axe_violations(page) == []
    assert service.client().catalogue(kind="data_product", q=certified.title)["total"] == 0

    derived = _register_derived(service, "冻结的衍生产品 frozen product", certified.registration_id)
    certify(service, w3, derived)
    assert service.client("regulator").freeze(derived, "investigation").status == "mined"
    eventually(lambda: service.client().registration(derived).status == "frozen")
    page.goto("/catalogue?lang=en&q=frozen product")
    expect(page.locator("#results")).not_to_contain_text("frozen product")
    page.select_option("#f-status", "frozen")
    expect(page.locator("#results")).to_contain_text("冻结的衍生产品 frozen product")
    assert service.client().catalogue(status="frozen", kind="data_product")["total"] >= 1


def test_a_registration_page_draws_its_sources_and_derived_products(
    page: Page, service: Service, certified: Certified
) -> None:
    derived = _register_derived(service, "衍生数据产品 derived", certified.registration_id)
    page.goto(f"/verify?q=reg:{derived}&lang=en")
    graph = page.locator(f"#lineage-graph-{derived}")
    expect(graph.locator(f"[data-registration='{derived}']")).to_have_attribute("data-generation", "0")
    source = graph.locator(f"[data-registration='{certified.registration_id}']")
    expect(source).to_have_attribute("data-generation", "-1")
    expect(source).to_contain_text("Certified")
    assert graph.locator("line.edge").count() >= 1  # other tests may derive siblings from the same source
    assert axe_violations(page) == []
    source.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{service.url}/verify?q=reg:{certified.registration_id}")
    graph = page.locator(f"#lineage-graph-{certified.registration_id}")
    expect(graph.locator(f"[data-registration='{derived}']")).to_have_attribute("data-generation", "1")
