"""The in-browser proof-bundle verifier (/verify/bundle): a bundle from the service checks out in Chromium against the
real anvil node, and an edited one is refused with the reason, the browser asking nothing of the service."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from ..e2e.conftest import Service
from .conftest import Certified, axe_violations

pytestmark = pytest.mark.integration


def _bundle(service: Service, certified: Certified) -> dict[str, Any]:
    return service.client().bundle(certified.registration_id).model_dump(mode="json")


def _check(page: Page, service: Service, tmp_path: Path, bundle: dict[str, Any], name: str) -> list[Request]:
    """Checks `bundle` on the page against the service's own anvil; returns the requests the page sent meanwhile."""
    path = tmp_path / name
    path.write_text(json.dumps(bundle))
    page.goto("/verify/bundle?lang=en")
    page.fill("#rpc-url", service.runtime.settings.rpc_url)
    page.set_input_files("#bundle-file", str(path))
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request))
    page.click("#bundle-check")
    expect(page.locator("#bundle-result")).not_to_have_attribute("data-outcome", "checking", timeout=60_000)
    return sent


def test_a_bundle_from_the_service_checks_out_in_the_browser_against_the_node(
    page: Page, service: Service, certified: Certified, tmp_path: Path
) -> None:
    sent = _check(page, service, tmp_path, _bundle(service, certified), "good.json")
    expect(page.locator("#bundle-result")).to_have_attribute("data-outcome", "verified")
    expect(page.locator("#bundle-checked")).to_contain_text(f"registration {certified.registration_id}")
    assert [r.url for r in sent if r.url.startswith(service.url)] == [], "the service was asked nothing"
    assert {r.url.rstrip("/") for r in sent} == {service.runtime.settings.rpc_url.rstrip("/")}
    assert axe_violations(page) == []


def test_an_edited_event_argument_is_refused_naming_the_event(
    page: Page, service: Service, certified: Certified, tmp_path: Path
) -> None:
    bundle = _bundle(service, certified)
    bundle["registration"]["events"][0]["args"]["grade"] = 2
    _check(page, service, tmp_path, bundle, "edited-args.json")
    expect(page.locator("#bundle-result")).to_have_attribute("data-outcome", "failed")
    expect(page.locator("#bundle-reason")).to_contain_text("RegistrationSubmitted")
    expect(page.locator("#bundle-reason")).to_contain_text("its arguments differ from the chain's")


def test_an_edited_manifest_block_is_refused_naming_its_cid(
    page: Page, service: Service, certified: Certified, tmp_path: Path
) -> None:
    bundle = _bundle(service, certified)
    block = base64.b64decode(bundle["registration"]["manifest_block"]).replace(b'"title":"', b'"title":"X')
    bundle["registration"]["manifest_block"] = base64.b64encode(block).decode()
    _check(page, service, tmp_path, bundle, "edited-manifest.json")
    expect(page.locator("#bundle-result")).to_have_attribute("data-outcome", "failed")
    expect(page.locator("#bundle-reason")).to_contain_text("is not the one on chain")


def test_a_bundle_claiming_a_status_the_chain_does_not_have_is_refused(
    page: Page, service: Service, certified: Certified, tmp_path: Path
) -> None:
    bundle = _bundle(service, certified)
    bundle["registration"]["status"] = 1
    _check(page, service, tmp_path, bundle, "edited-status.json")
    expect(page.locator("#bundle-result")).to_have_attribute("data-outcome", "failed")
    expect(page.locator("#bundle-reason")).to_contain_text("the chain says status")


def test_an_unreachable_node_is_said_so_not_taken_for_a_bad_bundle(
    page: Page, service: Service, certified: Certified, tmp_path: Path
) -> None:
    path = tmp_path / "good.json"
    path.write_text(json.dumps(_bundle(service, certified)))
    page.goto("/verify/bundle")
    page.fill("#rpc-url", "http://127.0.0.1:9/")
    page.set_input_files("#bundle-file", str(path))
    page.click("#bundle-check")
    expect(page.locator("#bundle-result")).to_have_attribute("data-outcome", "unreachable", timeout=60_000)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#bundle-result .verdict-word")).to_have_text("无法向该节点查询")
