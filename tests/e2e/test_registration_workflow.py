"""The registration workflow over HTTP, end to end, against the real Kubo and each chain (anvil, geth)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from api.client import ApiError, LedgerClient
from api.tokens import Role, issue_token
from ledger.cli import app as cli
from ledger.manifest.data import file_entry
from ledger.manifest.model import FileDigest
from ledger.proofs.merkle import MerkleTree
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from ..factories import manifest_fields
from .conftest import Service, eventually

pytestmark = pytest.mark.integration


def _data(title: str) -> list[bytes]:
    """Three data files of their own for each registration, so a hash finds exactly it."""
    return [f"road,count\n{title},{i}\n".encode() for i in range(3)]


def _folder_commitment(title: str) -> dict[str, Any]:
    files = [
        FileDigest(path=f"part-{i}.csv", size=len(data), sha256="0x" + hashlib.sha256(data).hexdigest())
        for i, data in enumerate(_data(title))
    ]
    tree = MerkleTree.build([file_entry(file) for file in files])
    return {
        "scheme": "merkle/2",
        "root": "0x" + tree.root.hex(),
        "file_count": len(files),
        "total_bytes": sum(file.size for file in files),
        "files": [file.model_dump() for file in files],
    }


def _fields(service: Service, title: str) -> dict[str, Any]:
    fields = manifest_fields(service.registrant.address, title=title, data_commitment=_folder_commitment(title))
    fields.pop("registrant")
    return json.loads(json.dumps(fields, default=str))


def _document(service: Service, number: int) -> dict[str, Any] | None:
    response = httpx.get(f"{service.url}/v1/certificates/{number}/document")
    return response.json() if response.status_code == 200 else None


def _status(service: Service, registration_id: int) -> str:
    return service.client().registration(registration_id).status


def test_register_object_certify_verify_bundle_freeze_and_export(
    service: Service, tmp_path: Path, kubo_api: str
) -> None:
    w3, deployment, rpc_url = service.chain.w3, service.chain.deployment, service.chain.url
    registrant, reviewer = service.client("registrant"), service.client("reviewer")
    authority, regulator, public = service.client("authority"), service.client("regulator"), service.client()

    draft = registrant.register(_fields(service, "e2e traffic"), service.registrant, key="e2e-1")
    assert draft["state"] == "submitted"
    assert draft["write"]["status"] == "mined"
    again = registrant.register(_fields(service, "e2e traffic"), service.registrant, key="e2e-1")
    assert again["cid"] == draft["cid"]
    assert again["write"]["tx_hash"] == draft["write"]["tx_hash"]

    report = eventually(lambda: public.verify_sha256(hashlib.sha256(_data("e2e traffic")[1]).hexdigest()).matches)
    registration_id = report[0].registration_id
    assert report[0].matched_file is not None

    assert reviewer.accept(registration_id).status == "mined"
    with pytest.raises(ApiError) as refused:
        reviewer.approve(registration_id)
    assert refused.value.status == 403
    assert authority.approve(registration_id).status == "mined"
    eventually(lambda: _status(service, registration_id) == "public_notice")
    notices = public.notices()
    assert registration_id in [item["registration_id"] for item in notices["items"]]

    objection = regulator.object(registration_id, "0x" + hashlib.sha256(b"my data").hexdigest())
    assert objection.status == "mined"
    eventually(lambda: _status(service, registration_id) == "objected")
    with pytest.raises(ApiError) as blocked:
        authority.certify(registration_id)
    assert blocked.value.code == "contract_refused"
    objection_id = eventually(
        lambda: [
            e.args["objectionId"]
            for e in service.client().registration(registration_id).history
            if e.name == "ObjectionFiled"
        ]
    )[0]
    assert (
        authority.resolve_objection(objection_id, upheld=False, decision="the data is the registrant's").status
        == "mined"
    )
    eventually(lambda: _status(service, registration_id) == "public_notice")

    with pytest.raises(ApiError) as early:
        authority.certify(registration_id)
    assert early.value.problem["rule"] == "NoticeWindowOpen"
    service.chain.let_notice_pass(registration_id)
    assert authority.certify(registration_id).status == "mined"
    certified = eventually(
        lambda: [
            m
            for m in public.verify_sha256(hashlib.sha256(_data("e2e traffic")[0]).hexdigest()).matches
            if m.status == "certified"
        ]
    )[0]
    number = certified.certificates[0].number
    assert public.verify_certificate(number).matches[0].registration_id == registration_id
    assert public.catalogue(q="e2e traffic")["total"] >= 1

    published = authority._call("POST", f"/v1/certificates/{number}/document", params={"wait": "true"})
    assert published["write"]["status"] == "mined"
    document = eventually(lambda: _document(service, number))
    assert document["certificate_number"] == str(number)
    assert document["holder"] == service.registrant.address
    assert "not conclusive title" in document["statement"]
    token_uri = deployment.contract(w3, "Certificates").functions.tokenURI(int(document["token_id"])).call()
    assert token_uri == f"ipfs://{document['cid']}" == f"ipfs://{published['cid']}"
    qr = httpx.get(f"{service.url}/v1/certificates/{number}/qr.svg")
    assert qr.headers["content-type"] == "image/svg+xml"
    assert qr.content.startswith(b"<?xml")

    bundle = public.bundle(registration_id, file_sha256=hashlib.sha256(_data("e2e traffic")[2]).hexdigest())
    bundle_file = tmp_path / "bundle.json"
    bundle_file.write_text(bundle.model_dump_json())
    checked = CliRunner().invoke(cli, ["verify-bundle", str(bundle_file), "--rpc", rpc_url, "--ipfs", kubo_api])
    assert checked.exit_code == 0, checked.output
    tampered = json.loads(bundle_file.read_text())
    tampered["registration"]["events"][0]["args"]["dataCommitment"] = "0x" + "00" * 32
    bundle_file.write_text(json.dumps(tampered))
    failed = CliRunner().invoke(cli, ["verify-bundle", str(bundle_file), "--rpc", rpc_url])
    assert failed.exit_code == 1
    assert "arguments differ" in failed.output

    assert regulator.freeze(registration_id, "under investigation").status == "mined"
    eventually(lambda: _status(service, registration_id) == "frozen")

    export = regulator.audit_export("csv", registration=registration_id)
    rows = list(csv.DictReader(io.StringIO(export)))
    names = [row["event"] for row in rows]
    for expected in (
        "RegistrationSubmitted",
        "RegistrationAccepted",
        "RegistrationPublished",
        "ObjectionFiled",
        "ObjectionResolved",
        "NoticeResumed",
        "RegistrationCertified",
        "RegistrationFrozen",
    ):
        assert expected in names
    assert all(row["tx_hash"].startswith("0x") and len(row["tx_hash"]) == 66 for row in rows)
    jsonl = [json.loads(line) for line in regulator.audit_export("jsonl", registration=registration_id).splitlines()]
    assert len(jsonl) == len(rows)
    page = regulator.audit_events(registration=registration_id, limit=2)
    assert page["total"] == len(rows)
    assert len(page["items"]) == 2


def test_wrong_role_calls_get_403_and_change_nothing(service: Service) -> None:
    w3, deployment = service.chain.w3, service.chain.deployment
    registrant = service.client("registrant")
    draft = registrant.register(_fields(service, "e2e roles"), service.registrant)
    registration_id = eventually(
        lambda: [
            m.registration_id
            for m in service.client().verify_sha256(hashlib.sha256(_data("e2e roles")[0]).hexdigest()).matches
            if m.status == "submitted"
        ]
    )[-1]
    del draft
    registry = deployment.contract(w3, "Registrations")
    before = registry.functions.statusOf(registration_id).call()
    for client, path, body in [
        (registrant, f"/v1/registrations/{registration_id}/accept", None),
        (service.client("reviewer"), f"/v1/registrations/{registration_id}/freeze", {"reason": "no"}),
        (service.client("regulator"), f"/v1/registrations/{registration_id}/certify", None),
        (service.client("authority"), "/v1/drafts", {}),
    ]:
        with pytest.raises(ApiError) as refused:
            client._call("POST", path, json=body)
        assert refused.value.status == 403
        assert refused.value.code == "forbidden"
    with pytest.raises(ApiError) as anonymous:
        service.client()._call("POST", f"/v1/registrations/{registration_id}/accept")
    assert anonymous.value.status == 401
    assert registry.functions.statusOf(registration_id).call() == before


def test_errors_are_problem_documents(service: Service) -> None:
    response = httpx.post(
        f"{service.url}/v1/drafts",
        json={"title": ""},
        headers={"Authorization": f"Bearer {service.tokens['registrant']}"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "invalid_manifest"
    assert {"kind", "origin", "industry"} <= {error["field"] for error in problem["errors"]}
    missing = httpx.get(f"{service.url}/v1/registrations/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "registration_not_found"
    bad_token = httpx.get(f"{service.url}/v1/audit/events", headers={"Authorization": "Bearer drl_nope"})
    assert bad_token.json()["code"] == "invalid_token"


def test_readiness_reports_every_component(service: Service) -> None:
    """Ready, with no internals for the public (issue 11); the operator's details name every component."""
    assert httpx.get(f"{service.url}/readyz").json() == {"ready": True, "reasons": []}
    with service.runtime.sessions.begin() as session:
        admin = issue_token(session, service.registrant.address, [Role.ADMIN], "operator")
    details = httpx.get(f"{service.url}/readyz", headers={"Authorization": f"Bearer {admin}"}).json()["details"]
    assert {"block", "ipfs_version", "outbox_backlog", "outbox_problems"} <= set(details)


def test_holder_changes_then_cancels_a_certified_registration(service: Service) -> None:
    registrant, authority, reviewer = (
        service.client("registrant"),
        service.client("authority"),
        service.client("reviewer"),
    )
    registrant.register(_fields(service, "e2e change"), service.registrant)
    registration_id = eventually(
        lambda: [
            m.registration_id
            for m in service.client().verify_sha256(hashlib.sha256(_data("e2e change")[0]).hexdigest()).matches
            if m.status == "submitted"
        ]
    )[-1]
    reviewer.accept(registration_id)
    authority.approve(registration_id)
    service.chain.let_notice_pass(registration_id)
    authority.certify(registration_id)
    eventually(lambda: _status(service, registration_id) == "certified")

    new_version = registrant.sign_draft(_fields(service, "e2e change, second edition"), service.registrant)
    requested = registrant.holder_action(registration_id, "change", service.registrant, draft_id=new_version["id"])
    assert requested.status == "mined"
    assert authority.approve_change(registration_id).status == "mined"
    changed = eventually(lambda: (r := service.client().registration(registration_id)).version == 2 and r)
    assert changed.manifest.title == "e2e change, second edition" or changed.manifest.cid == new_version["cid"]

    with pytest.raises(ApiError) as forged:
        service.client("registrant")._call(
            "POST",
            f"/v1/registrations/{registration_id}/holder-actions/cancellation",
            json={"reason_digest": "0x" + "11" * 32, "nonce": 0, "deadline": 2**40, "signature": "0x" + "22" * 65},
        )
    assert forged.value.code == "invalid_signature"
    cancelled = registrant.holder_action(
        registration_id,
        "cancellation",
        service.registrant,
        reason_digest="0x" + hashlib.sha256(b"no longer offered").hexdigest(),
    )
    assert cancelled.status == "mined"
    eventually(lambda: _status(service, registration_id) == "cancelled")


def test_licence_pledge_blocks_transfer_release_then_transfer(service: Service) -> None:
    registrant, authority, reviewer = (
        service.client("registrant"),
        service.client("authority"),
        service.client("reviewer"),
    )
    creditor = service.client("creditor")
    newcomer = dev_account(7, LOCAL_CHAIN_ID)
    admin_account = service.chain.admin
    service.chain.admit(newcomer.address, "newcomer")

    registrant.register(_fields(service, "e2e rights"), service.registrant)
    registration_id = eventually(
        lambda: [
            m.registration_id
            for m in service.client().verify_sha256(hashlib.sha256(_data("e2e rights")[0]).hexdigest()).matches
            if m.status == "submitted"
        ]
    )[-1]
    reviewer.accept(registration_id)
    authority.approve(registration_id)
    service.chain.let_notice_pass(registration_id)
    authority.certify(registration_id)
    eventually(lambda: _status(service, registration_id) == "certified")
    base = f"/v1/registrations/{registration_id}"
    now = service.chain.now()

    licence = registrant.signed_terms(
        f"{base}/licences",
        {
            "right": "processing_and_use",
            "licensee": newcomer.address,
            "licence_type": "non_exclusive",
            "scope_digest": "0x" + hashlib.sha256(b"scope: analytics, mainland China, 1 year").hexdigest(),
            "starts_at": now,
            "ends_at": now + 365 * 86_400,
        },
        service.registrant,
    )
    licence["signature"] = licence.pop("signatures")[0]
    assert registrant.post_write(f"{base}/licences", licence).status == "mined"

    pledge = registrant.signed_terms(
        f"{base}/encumbrances",
        {
            "right": "resource_holding",
            "kind": "pledge",
            "creditor": admin_account.address,
            "agreement_digest": "0x" + hashlib.sha256(b"loan 2026-001").hexdigest(),
        },
        service.registrant,
    )
    pledge["signature"] = pledge.pop("signatures")[0]
    rival = registrant.signed_terms(
        f"{base}/encumbrances",
        {**{k: pledge[k] for k in ("right", "kind", "agreement_digest")}, "creditor": newcomer.address},
        service.registrant,
    )
    rival["signature"] = rival.pop("signatures")[0]
    assert rival["nonce"] == pledge["nonce"]
    assert registrant.post_write(f"{base}/encumbrances", pledge).status == "mined"
    # Another pledge signed over the nonce the first one used is not answered with the first one's write.
    with pytest.raises(ApiError) as reused:
        registrant.post_write(f"{base}/encumbrances", rival)
    assert (reused.value.status, reused.value.code) == (409, "idempotency_conflict")

    transfer_body = {
        "right": "resource_holding",
        "new_holder": newcomer.address,
        "agreement_digest": "0x" + hashlib.sha256(b"sale 2026-002").hexdigest(),
    }
    transfer = registrant.signed_terms(f"{base}/transfers", transfer_body, service.registrant, newcomer)
    transfer["holder_signature"], transfer["new_holder_signature"] = transfer.pop("signatures")
    with pytest.raises(ApiError) as blocked:
        registrant.post_write(f"{base}/transfers", transfer)
    assert blocked.value.code == "contract_refused"
    assert "RightIsEncumbered" in str(blocked.value.problem.get("detail"))

    assert creditor.post_write(f"{base}/rights/resource_holding/release").status == "mined"
    # The release changed the right: the transfer signed while it was pledged is stale and must be signed again.
    with pytest.raises(ApiError) as stale:
        registrant.post_write(f"{base}/transfers", transfer)
    assert stale.value.code == "contract_refused"
    assert "InvalidRightNonce" in str(stale.value.problem.get("detail"))
    # Both refusals came at the dry run, before anything was queued; the regulator still sees them.
    refused = service.client("regulator").conflicts()["refused_writes"]
    assert any(w["purpose"] == "requestTransfer" and "RightIsEncumbered" in (w["error"] or "") for w in refused)
    transfer = registrant.signed_terms(f"{base}/transfers", transfer_body, service.registrant, newcomer)
    transfer["holder_signature"], transfer["new_holder_signature"] = transfer.pop("signatures")
    assert registrant.post_write(f"{base}/transfers", transfer).status == "mined"
    assert authority.post_write(f"{base}/rights/resource_holding/transfer/approval").status == "mined"

    report = eventually(
        lambda: (
            (r := service.client().registration(registration_id)).rights
            and any(x.holder == newcomer.address for x in r.rights)
            and r
        )
    )
    holders = {right.right: right.holder for right in report.rights}
    assert holders["resource_holding"] == newcomer.address
    assert [licence.licensee for licence in report.licences] == [newcomer.address]
    assert all(right.encumbrance == "none" for right in report.rights)
    live = [c for c in report.certificates if not c.retired and c.certificate_type == "property_registration"]
    assert [c.holder for c in live] == [newcomer.address]

    # The catalogue finds the registration by the holder of the transferred right, and lists every holder.
    listed = service.client().catalogue(holder=newcomer.address)["items"]
    (item,) = [i for i in listed if i["registration_id"] == registration_id]
    assert item["holders"] == {
        "resource_holding": newcomer.address,
        "processing_and_use": service.registrant.address,
    }
    by_registrant = service.client().catalogue(holder=service.registrant.address)["items"]
    assert registration_id in [i["registration_id"] for i in by_registrant]
    # An address in lowercase finds the same holder (it is checksummed at the edge).
    lowercase = service.client().catalogue(holder=newcomer.address.lower())["items"]
    assert registration_id in [i["registration_id"] for i in lowercase]


def test_a_submitted_draft_names_the_registration_it_became(service: Service) -> None:
    registrant = service.client("registrant")
    draft = registrant.register(_fields(service, "e2e draft view"), service.registrant)
    registration_id = eventually(
        lambda: service.client().verify_sha256(hashlib.sha256(_data("e2e draft view")[0]).hexdigest()).matches
    )[0].registration_id
    assert eventually(lambda: registrant.draft(draft["id"])["registration_id"]) == registration_id


def test_the_same_data_submitted_again_is_refused_unless_asked_again(service: Service) -> None:
    registrant = service.client("registrant")
    fields = _fields(service, "e2e twice")
    first = registrant.register(fields, service.registrant)
    eventually(lambda: registrant.draft(first["id"])["registration_id"])
    renamed = {**fields, "title": "e2e twice, renamed"}  # another manifest of the same data
    with pytest.raises(ApiError) as refused:
        registrant.register(renamed, service.registrant)
    assert refused.value.status == 409
    assert refused.value.code == "already_registered"
    second = registrant.register(renamed, service.registrant, again=True)
    assert second["write"]["status"] == "mined"
    assert second["cid"] != first["cid"]


def test_the_review_queue_screens_against_the_negative_list_and_names_the_same_data_elsewhere(
    service: Service,
) -> None:
    negative_list = service.runtime.settings.negative_list_file
    assert negative_list is not None
    negative_list.write_text(json.dumps({"terms": ["Biometric"]}))
    registrant = service.client("registrant")
    fields = _fields(service, "e2e biometric gates")
    drafts = [
        registrant.register(fields, service.registrant),
        registrant.register({**fields, "title": "e2e biometric gates, again"}, service.registrant, again=True),
    ]
    first, second = [eventually(lambda d=d: registrant.draft(d["id"])["registration_id"]) for d in drafts]

    def queued() -> dict[int, Any]:
        items = service.client("reviewer")._call("GET", "/v1/review/queue")
        found = {item["registration_id"]: item for item in items if item["registration_id"] in (first, second)}
        return found if len(found) == 2 and all(item["title"] for item in found.values()) else {}

    queue = eventually(queued)
    assert queue[first]["status"] == "submitted"
    assert queue[first]["negative_list_hits"] == ["term Biometric"]
    assert queue[first]["same_data_elsewhere"] == [second]
    assert queue[second]["same_data_elsewhere"] == [first]


def test_the_audit_time_range_is_documented(service: Service) -> None:
    schema = httpx.get(f"{service.url}/openapi.json").json()
    for path in ("/v1/audit/events", "/v1/audit/export"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert "included" in parameters["since"]["description"]
        assert "excluded" in parameters["until"]["description"]


def test_conflicts_list_the_same_data_claimed_by_different_registrants(service: Service) -> None:
    other = dev_account(8, LOCAL_CHAIN_ID)
    service.chain.admit(other.address, "second claimant")
    with service.runtime.sessions.begin() as session:
        token = issue_token(session, other.address, [Role.REGISTRANT], "second claimant")
    fields = _fields(service, "e2e contested")
    service.client("registrant").register(fields, service.registrant)
    LedgerClient(service.url, token).register({**fields, "title": "e2e contested, again"}, other)
    conflicts = eventually(
        lambda: [
            c
            for c in service.client("regulator")._call("GET", "/v1/audit/conflicts")["same_data_different_registrants"]
            if {r["registrant"] for r in c["registrations"]} >= {service.registrant.address, other.address}
        ]
    )
    assert conflicts


def test_a_registrant_who_chose_custody_registers_without_signing(service: Service) -> None:
    custodial = service.client("custodial")
    fields = _fields(service, "e2e custody")
    draft = custodial._call("POST", "/v1/drafts", json=fields)
    signed = custodial._call("POST", f"/v1/drafts/{draft['id']}/manifest-signature", json={})
    assert signed["state"] == "manifest_signed"
    submitted = custodial._call("POST", f"/v1/drafts/{draft['id']}/submission", json={}, params={"wait": "true"})
    assert submitted["write"]["status"] == "mined"
    match = eventually(
        lambda: service.client().verify_sha256(hashlib.sha256(_data("e2e custody")[0]).hexdigest()).matches
    )
    assert match[0].manifest.signature_valid

    own_keys = service.client("registrant")
    draft = own_keys._call("POST", "/v1/drafts", json=_fields(service, "e2e no custody"))
    with pytest.raises(ApiError) as unsigned:
        own_keys._call("POST", f"/v1/drafts/{draft['id']}/manifest-signature", json={})
    assert unsigned.value.code == "signature_required"
