"""Browser tests of the pages: the real stack (anvil, Kubo, the service over HTTP on loopback, from the e2e
fixtures) and Chromium unpacked from Debian's packages by `scripts/setup-browser.sh`, driven by Playwright
through `executable_path` (Playwright's own browser download is never used)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Browser, Page, sync_playwright

from ledger.chain.transactions import send_and_wait

from ..e2e.conftest import Service, anvil_service, eventually  # noqa: F401 - the e2e stack on anvil, shared
from ..factories import manifest_fields
from ..integration.registry import advance_time
from .chromium import CHROMIUM_FLAGS, chromium_environment

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def service(anvil_service: Service) -> Service:  # noqa: F811 - `anvil_service` is the imported fixture
    """The e2e suite's service on anvil: the pages run on one chain (the e2e suite runs the service on both)."""
    return anvil_service


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    binary, environment = chromium_environment(tmp_path_factory.mktemp("chromium"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=binary, args=CHROMIUM_FLAGS, env=environment)
        yield chromium
        chromium.close()


@pytest.fixture
def page(
    browser: Browser,
    service: Service,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Page]:
    """A fresh page on the service; a screenshot of where the test ends is saved in its tmp dir."""
    context = browser.new_context(base_url=service.url, accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    page.screenshot(path=tmp_path / f"{request.node.name}.png", full_page=True)
    context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (axe from the pinned npm package)."""
    page.add_script_tag(path=AXE)
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


@dataclass(frozen=True)
class Certified:
    """A certified registration of one file, made through the API as the e2e tests do."""

    registration_id: int
    number: int
    title: str
    data: bytes


def with_wallet(page: Page, account: LocalAccount, w3: Any = None) -> Page:
    """An EIP-1193 provider injected into the page that signs typed data with `account`'s test key (a browser
    wallet as the pages meet one: `eth_requestAccounts`, `eth_signTypedData_v4`); given the chain (`w3`), it also
    sends transactions from the account and reads their receipts (`eth_sendTransaction`,
    `eth_getTransactionReceipt`)."""

    def sign_typed_data(typed: str) -> str:
        return "0x" + account.sign_typed_data(full_message=json.loads(typed)).signature.hex().removeprefix("0x")

    def send_transaction(transaction: dict[str, str]) -> str:
        assert w3 is not None
        assert transaction["from"].lower() == account.address.lower()
        sent = send_and_wait(w3, account, {"to": transaction["to"], "data": transaction["data"]})
        return "0x" + bytes(sent["transactionHash"]).hex()

    def receipt(tx_hash: str) -> dict[str, str]:
        assert w3 is not None
        found = w3.eth.get_transaction_receipt(tx_hash)  # mined already: send_and_wait waited for it
        return {"status": hex(found["status"]), "blockNumber": hex(found["blockNumber"])}

    page.expose_function("testWalletSign", sign_typed_data)
    if w3 is not None:
        page.expose_function("testWalletSend", send_transaction)
        page.expose_function("testWalletReceipt", receipt)
    page.add_init_script(
        f"""window.ethereum = {{request: async ({{method, params}}) => {{
            if (method === "eth_requestAccounts") return ["{account.address}"];
            if (method === "eth_signTypedData_v4") return await window.testWalletSign(params[1]);
            const send = window.testWalletSend, receipt = window.testWalletReceipt;
            if (method === "eth_sendTransaction" && send) return await send(params[0]);
            if (method === "eth_getTransactionReceipt" && receipt) return await receipt(params[0]);
            throw new Error("unsupported " + method);
        }}}};"""
    )
    return page


def register_file(stack: Service, title: str, data: bytes) -> int:
    """Submits a registration of `data` (one file) and returns its id once indexed."""
    digest = "0x" + hashlib.sha256(data).hexdigest()
    fields: dict[str, Any] = manifest_fields(
        stack.registrant.address,
        title=title,
        data_commitment={"scheme": "sha256", "root": digest, "file_count": 1, "total_bytes": len(data)},
    )
    fields.pop("registrant")
    stack.client("registrant").register(json.loads(json.dumps(fields, default=str)), stack.registrant)
    return int(eventually(lambda: [m.registration_id for m in stack.client().verify_sha256(digest[2:]).matches])[-1])


def certify(stack: Service, w3: Any, registration_id: int) -> int:
    """Accepts, approves, passes the notice period (anvil's time travel: tests only) and certifies."""
    assert stack.client("reviewer").accept(registration_id).status == "mined"
    assert stack.client("authority").approve(registration_id).status == "mined"
    eventually(lambda: stack.client().registration(registration_id).status == "public_notice")
    advance_time(w3, 8 * 86_400)
    assert stack.client("authority").certify(registration_id).status == "mined"
    report = eventually(lambda: [c for c in stack.client().registration(registration_id).certificates if not c.retired])
    return int(report[0].number)


@pytest.fixture(scope="session")
def certified(service: Service, w3: Any) -> Certified:
    title = "上海市道路交通流量数据 web"
    data = b"road,count\nweb pages,1\n"
    registration_id = register_file(service, title, data)
    return Certified(registration_id, certify(service, w3, registration_id), title, data)
