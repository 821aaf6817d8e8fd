"""A registrant cannot claim files its data commitment does not cover (issue 11, item 0).

The attack: a manifest lists `never.csv` under a root that does not cover it. The service must refuse
such a draft, and even a registration made without the service (straight to the chain) must not make
the public check confirm the file: verification proves a file against the root on chain.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from api.client import ApiError
from ledger.manifest.model import DataCommitment, FileDigest, Manifest
from ledger.manifest.signing import bound_fields
from ledger.registration import register

from ..factories import manifest_fields
from .conftest import Service, eventually

pytestmark = pytest.mark.integration

NEVER = b"a file nobody registered\n"
FORGED_ROOT = "0x" + "22" * 32


def _forged_commitment(data: bytes) -> dict[str, object]:
    file = {"path": "never.csv", "size": len(data), "sha256": "0x" + hashlib.sha256(data).hexdigest()}
    return {"scheme": "merkle/1", "root": FORGED_ROOT, "file_count": 1, "total_bytes": len(data), "files": [file]}


def test_a_draft_whose_files_do_not_produce_its_root_is_refused(service: Service) -> None:
    fields = manifest_fields(service.registrant.address, data_commitment=_forged_commitment(NEVER))
    fields.pop("registrant")
    with pytest.raises(ApiError) as refused:
        service.client("registrant").register(json.loads(json.dumps(fields, default=str)), service.registrant)
    assert refused.value.status == 422
    assert refused.value.code == "invalid_manifest"


def test_a_file_the_root_on_chain_does_not_cover_is_never_confirmed(service: Service) -> None:
    data = b"another file nobody registered\n"
    deployment = service.runtime.deployment
    fields = manifest_fields(service.registrant.address, title="claims other files")
    honest = Manifest.model_validate(bound_fields(fields, deployment.chain_id, deployment.registrations))
    file = FileDigest(path="never.csv", size=len(data), sha256="0x" + hashlib.sha256(data).hexdigest())
    forged = DataCommitment.model_construct(
        scheme="merkle/2", root=FORGED_ROOT, file_count=1, total_bytes=len(data), files=[file]
    )
    # straight to the chain, past every check of the service: only verification stands in the way
    register(service.runtime, honest.model_copy(update={"data_commitment": forged}), service.registrant)
    public, reviewer, authority = service.client(), service.client("reviewer"), service.client("authority")
    registration_id = eventually(
        lambda: [m.registration_id for m in public.verify_sha256(FORGED_ROOT[2:]).matches if m.status == "submitted"]
    )[-1]
    reviewer.accept(registration_id)
    authority.approve(registration_id)
    service.chain.let_notice_pass(registration_id)
    assert authority.certify(registration_id).status == "mined"
    eventually(lambda: public.registration(registration_id).status == "certified")

    report = public.verify_sha256(hashlib.sha256(data).hexdigest())
    assert [m.registration_id for m in report.matches if m.registration_id == registration_id] == []
