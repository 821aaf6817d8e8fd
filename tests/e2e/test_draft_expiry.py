"""A draft never submitted: its evidence is released after the configured days and the draft answers 410."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ledger import draft_pins
from ledger.ipfs import IpfsClient

from ..factories import manifest_fields
from .conftest import Service

pytestmark = pytest.mark.integration


def test_an_abandoned_draft_loses_its_evidence_pins_and_answers_410(service: Service, kubo_api: str) -> None:
    auth = {"Authorization": f"Bearer {service.tokens['registrant']}"}
    fields = manifest_fields(service.registrant.address, title="abandoned draft")
    fields.pop("registrant")
    created = httpx.post(f"{service.url}/v1/drafts", json=json.loads(json.dumps(fields, default=str)), headers=auth)
    assert created.status_code == 201, created.text
    draft = created.json()
    uploaded = httpx.post(
        f"{service.url}/v1/drafts/{draft['id']}/evidence",
        files={"file": ("sample.csv", os.urandom(4096))},
        data={"kind": "sample"},
        headers=auth,
        timeout=60,
    )
    assert uploaded.status_code == 200, uploaded.text
    cid = uploaded.json()["manifest"]["evidence"][-1]["cid"]
    with IpfsClient(kubo_api) as ipfs:
        assert ipfs.is_pinned(cid)
        later = datetime.now(UTC) + timedelta(days=service.runtime.settings.draft_evidence_days + 1)
        expired = draft_pins.expire_unsubmitted(
            service.runtime.sessions, ipfs, service.runtime.settings.draft_evidence_days, now=later
        )
        assert draft["id"] in expired
        assert not ipfs.is_pinned(cid)
    answer = httpx.get(f"{service.url}/v1/drafts/{draft['id']}", headers=auth)
    assert answer.status_code == 410
    assert answer.json()["code"] == "draft_expired"
