"""The verdict a person reads first is a pure function of the verification report."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.verdict import VerdictCode, verdict_of
from ledger.verification import CertificateView, ManifestCheck, RegistrationReport, VerificationReport


def _match(registration_id: int, status: str, **overrides: Any) -> RegistrationReport:
    fields: dict[str, Any] = {
        "registration_id": registration_id,
        "status": status,
        "current": True,
        "disputed": False,
        "version": 1,
        "registrant": "0x" + "11" * 20,
        "authority_id": 1,
        "kind": "data_resource",
        "origin": "enterprise",
        "grade": "general",
        "personal_info": False,
        "data_commitment": "0x" + "22" * 32,
        "manifest": ManifestCheck(version=1, cid="b", digest="0x" + "33" * 32, retrieved=True, signature_valid=True),
        "certificates": [],
        "history": [],
    }
    fields.update(overrides)
    return RegistrationReport(**fields)


def _certificate(number: int, retired: bool = False) -> CertificateView:
    return CertificateView(
        token_id=str(number),
        number=number,
        certificate_type="property_registration",
        holder="0x" + "11" * 20,
        retired=retired,
        document_cid=None,
    )


def test_nothing_found_is_not_registered() -> None:
    assert verdict_of([], "sha256", "ab" * 32).code is VerdictCode.NOT_REGISTERED


def test_a_certified_match_wins_over_a_revoked_one_and_names_its_certificate() -> None:
    matches = [_match(1, "revoked"), _match(2, "certified", certificates=[_certificate(202601010001)])]
    verdict = verdict_of(matches, "sha256", "ab" * 32)
    assert verdict.code is VerdictCode.CERTIFIED
    assert verdict.registration_id == 2
    assert verdict.certificate_number == 202601010001


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("objected", VerdictCode.PUBLIC_NOTICE),
        ("public_notice", VerdictCode.PUBLIC_NOTICE),
        ("submitted", VerdictCode.UNDER_REVIEW),
        ("frozen", VerdictCode.FROZEN),
        ("revoked", VerdictCode.REVOKED),
    ],
)
def test_each_status_reads_as_its_own_verdict(status: str, code: VerdictCode) -> None:
    assert verdict_of([_match(1, status)], "registration", "reg:1").code is code


def test_a_certified_registration_whose_manifest_does_not_check_out_is_not_verified() -> None:
    forged = ManifestCheck(version=1, cid="b", digest="0x" + "33" * 32, retrieved=True, signature_valid=False)
    assert verdict_of([_match(1, "certified", manifest=forged)], "registration", "reg:1").code is (
        VerdictCode.NOT_VERIFIED
    )


def test_an_older_version_of_the_data_is_not_certified_as_current() -> None:
    assert verdict_of([_match(1, "certified", current=False)], "sha256", "ab" * 32).code is VerdictCode.NOT_VERIFIED


def test_a_retired_certificate_number_points_to_the_current_certificate() -> None:
    match = _match(1, "certified", certificates=[_certificate(202601010001, retired=True), _certificate(202602020002)])
    verdict = verdict_of([match], "certificate", "202601010001")
    assert verdict.code is VerdictCode.CERTIFICATE_RETIRED
    assert verdict.certificate_number == 202601010001
    assert verdict.current_certificate_number == 202602020002


def test_the_api_report_carries_the_verdict() -> None:
    report = VerificationReport(query="reg:1", query_kind="registration", matches=[_match(1, "frozen")])
    assert report.model_dump(mode="json")["verdict"]["code"] == "frozen"
    assert "verdict" in VerificationReport.model_json_schema(mode="serialization")["properties"]
