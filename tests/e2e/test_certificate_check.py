"""`drl verify-certificate`: a certificate document checked against the chain alone, and forgeries named."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner
from web3 import Web3

from ledger.cli import app as cli

from ..factories import manifest_fields
from .conftest import Service, eventually

pytestmark = pytest.mark.integration


def _certified_document(service: Service, title: str) -> dict[str, Any]:
    registrant, reviewer, authority = (
        service.client("registrant"),
        service.client("reviewer"),
        service.client("authority"),
    )
    data = f"certificate check,{title}\n".encode()
    root = "0x" + hashlib.sha256(data).hexdigest()
    commitment = {"scheme": "sha256", "root": root, "file_count": 1, "total_bytes": len(data)}
    fields = manifest_fields(service.registrant.address, title=title, data_commitment=commitment)
    fields.pop("registrant")
    registrant.register(json.loads(json.dumps(fields, default=str)), service.registrant)
    registration_id = eventually(
        lambda: [m.registration_id for m in service.client().verify_sha256(hashlib.sha256(data).hexdigest()).matches]
    )[-1]
    reviewer.accept(registration_id)
    authority.approve(registration_id)
    service.chain.let_notice_pass(registration_id)
    assert authority.certify(registration_id).status == "mined"
    number = eventually(lambda: service.client().registration(registration_id).certificates)[0].number
    published = authority._call("POST", f"/v1/certificates/{number}/document", params={"wait": "true"})
    assert published["write"]["status"] == "mined"
    return eventually(
        lambda: (
            (answer := httpx.get(f"{service.url}/v1/certificates/{number}/document")).status_code == 200
            and answer.json()
        )
    )


def _check(path: Path, document: dict[str, Any], rpc: str, *options: str) -> Any:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    return CliRunner().invoke(cli, ["verify-certificate", str(path), "--rpc", rpc, *options])


def test_a_certificate_document_is_checked_against_the_chain_and_every_forgery_is_named(
    service: Service, kubo_api: str, tmp_path: Path
) -> None:
    rpc_url, deployment = service.chain.url, service.chain.deployment
    document = _certified_document(service, "certificate check")
    path = tmp_path / "certificate.json"

    genuine = _check(path, document, rpc_url, "--ipfs", kubo_api, "--registry", deployment.registrations)
    assert genuine.exit_code == 0, genuine.output
    assert "certificate verified" in genuine.output

    stranger = Web3.to_checksum_address("0x" + "ab" * 20)
    other_right = {"right": "product_operation", "holder": service.registrant.address}
    forgeries: dict[str, dict[str, Any]] = {
        "holder": {"holder": stranger},
        "rights": {"rights": [*document["rights"], other_right]},
        "certificate_number": {"certificate_number": str(int(document["certificate_number"]) + 1)},
        "grade": {"grade": "core" if document["grade"] != "core" else "general"},
        "manifest_digest": {"manifest_digest": "0x" + "11" * 32},
        "statement": {"statement": "This certificate is conclusive title."},
        "schema_version": {"schema_version": "drl.certificate/9"},
    }
    if document["schema_version"] == "drl.certificate/2":  # what the paper certificate prints
        forgeries["data_name"] = {"data_name": "someone else's data"}
        forgeries["issued_at"] = {"issued_at": "2020-01-01T00:00:00Z"}
    for member, change in forgeries.items():
        forged = {key: value for key, value in document.items() if key != "cid"} | change
        refused = _check(path, forged, rpc_url, "--ipfs", kubo_api)
        assert refused.exit_code == 1, (member, refused.output)
        assert member in refused.output, (member, refused.output)

    wrong_registry = _check(path, document, rpc_url, "--registry", stranger)
    assert wrong_registry.exit_code == 1
    assert "registry" in wrong_registry.output

    frozen = service.client("regulator").freeze(document["registration_id"], "under investigation")
    assert frozen.status == "mined"
    not_current = _check(path, document, rpc_url)
    assert not_current.exit_code == 1, not_current.output
    assert "authentic but no longer current: its registration is frozen" in " ".join(not_current.output.split())
