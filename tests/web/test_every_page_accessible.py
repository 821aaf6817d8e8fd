"""axe-core over every page the app serves, public and signed in, in Chinese (the default): no serious or critical
violation on any of them, the API's `/docs` (Swagger UI) and `/redoc` (ReDoc) included."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from web3 import Web3

from ..e2e.conftest import Service, eventually
from .conftest import Certified, axe_violations, register_file
from .test_signed_in_portal import sign_in

pytestmark = pytest.mark.integration


def _violations_on(page: Page, paths: list[str]) -> dict[str, list[dict[str, object]]]:
    """Each page's serious and critical violations, by path; a page that failed to load is a violation too."""
    found: dict[str, list[dict[str, object]]] = {}
    for path in paths:
        response = page.goto(path)
        status = response.status if response is not None else 0
        violations: list[dict[str, object]] = list(axe_violations(page))
        if status >= 500:
            violations.append({"id": "http", "impact": "critical", "help": f"answered {status}"})
        if violations:
            found[path] = violations
    return found


def test_no_page_has_a_serious_or_critical_accessibility_violation(
    page: Page, service: Service, w3: Web3, certified: Certified
) -> None:
    in_notice = register_file(service, "公示中的无障碍检查 axe notice", b"road,count\naxe notice,1\n")
    assert service.client("reviewer").accept(in_notice).status == "mined"
    assert service.client("authority").approve(in_notice).status == "mined"
    eventually(lambda: service.client().registration(in_notice).status == "public_notice")
    reg = certified.registration_id
    public = [
        "/",
        "/verify",
        f"/verify?q=reg:{reg}",
        f"/verify?q={certified.number}",
        "/verify?q=0x" + "00" * 32,  # not registered
        "/verify/bundle",
        f"/certificates/{certified.number}",
        "/certificates/999999999999",  # not found
        "/catalogue",
        f"/catalogue?q={certified.title}&origin=enterprise",
        "/notices",
        f"/notices/{in_notice}",
        "/signin",
        "/docs",
        "/redoc",
    ]
    found = _violations_on(page, public)
    sign_in(page, service.tokens["registrant"])
    found |= _violations_on(page, ["/portal", "/portal/register", "/regulator"])  # the last one: a 403 page
    page.context.clear_cookies()  # signed out: the next sign-in form shows
    sign_in(page, service.tokens["authority"])
    found |= _violations_on(page, ["/authority"])
    page.context.clear_cookies()
    sign_in(page, service.tokens["regulator"])
    regulator = ["/regulator", f"/regulator/registrations/{reg}/freeze", f"/regulator/registrations/{reg}/revoke"]
    regulator.append(f"/regulator/parties/{service.registrant.address}/suspend")
    found |= _violations_on(page, regulator)
    assert found == {}
