"""Certificate documents of version 2 (drl.certificate/2): published with the PDF as issued, they name the data, the
authority, the issue time and the PDF's sha256 and CID; the certificate page shows them, and the PDF pinned under that
CID hashes to that sha256."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from web3 import Web3

from ledger.ipfs import IpfsClient

from ..e2e.conftest import Service, eventually
from .conftest import axe_violations, certify, register_file

pytestmark = pytest.mark.integration


def _published_document(service: Service, number: int) -> dict[str, Any]:
    """Publishes the certificate's document as the authority does, then reads it back once indexed."""
    path = f"/v1/certificates/{number}/document"
    published = service.client("authority")._call("POST", path, params={"wait": "true"})
    assert published["write"]["status"] == "mined"

    def read() -> dict[str, Any] | None:
        answer = httpx.get(f"{service.url}{path}")
        return answer.json() if answer.status_code == 200 else None

    document: dict[str, Any] = eventually(read, timeout=60)
    return document


def test_a_published_version_2_document_names_the_printed_facts_and_the_pdf_as_issued(
    page: Page, service: Service, w3: Web3, kubo_api: str
) -> None:
    title = "证书文档第二版 document v2"
    registration_id = register_file(service, title, b"road,count\ncertificate document v2,1\n")
    number = certify(service, w3, registration_id)
    document = _published_document(service, number)
    assert document["schema_version"] == "drl.certificate/2"
    assert document["data_name"] == title
    assert document["authority_name"] == service.runtime.settings.authority_names[1]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", document["issued_at"])
    with IpfsClient(kubo_api) as node:  # the PDF as the node holds it, not as the service would print it now
        issued_pdf = b"".join(node.cat(document["pdf_cid"]))
    assert issued_pdf.startswith(b"%PDF")
    assert "0x" + hashlib.sha256(issued_pdf).hexdigest() == document["pdf_sha256"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(issued_pdf)).pages)
    assert str(number) in text
    assert title in text

    page.goto(f"/certificates/{number}")
    expect(page.locator("#data-name")).to_have_text(title)
    expect(page.locator("#authority-name")).to_have_text(document["authority_name"])
    expect(page.locator("#issued-at")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$"))
    expect(page.locator("#pdf-sha256")).to_have_text(document["pdf_sha256"])
    expect(page.locator("#pdf-cid")).to_have_text(document["pdf_cid"])
    assert axe_violations(page) == []
