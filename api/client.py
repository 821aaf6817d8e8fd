"""A typed Python client of the service's `/v1` API (httpx), for registrants, authorities, buyers and regulators.

Errors come back as `ApiError` carrying the problem document's `code`, so callers branch on stable codes.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount

from api.writes import WriteAccepted
from ledger.encoding import to_hex
from ledger.proofs.bundle import ProofBundle
from ledger.verification import RegistrationReport, VerificationReport


class ApiError(Exception):
    """The service answered with a problem document."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('code')}: {problem.get('detail') or problem.get('title')}")
        self.status = status
        self.code = str(problem.get("code"))
        self.problem = problem


class LedgerClient:
    """One caller of the service: a base URL and, for anything but public reads, an API token."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LedgerClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"code": "http_error", "detail": response.text[:300]}
            raise ApiError(response.status_code, problem)
        return response.json()

    def _write(self, path: str, body: dict[str, Any] | None = None, key: str | None = None) -> WriteAccepted:
        headers = {"Idempotency-Key": key} if key else {}
        return WriteAccepted.model_validate(
            self._call("POST", path, json=body, headers=headers, params={"wait": "true"})
        )

    # public -----------------------------------------------------------------------------------------------
    def verify_sha256(self, sha256: str) -> VerificationReport:
        return VerificationReport.model_validate(self._call("GET", "/v1/verify", params={"sha256": sha256}))

    def verify_certificate(self, number: int) -> VerificationReport:
        return VerificationReport.model_validate(self._call("GET", "/v1/verify", params={"certificate": str(number)}))

    def verify_file(self, content: bytes, name: str = "file") -> VerificationReport:
        return VerificationReport.model_validate(self._call("POST", "/v1/verify/file", files={"file": (name, content)}))

    def registration(self, registration_id: int) -> RegistrationReport:
        return RegistrationReport.model_validate(self._call("GET", f"/v1/registrations/{registration_id}"))

    def bundle(self, registration_id: int, file_sha256: str | None = None) -> ProofBundle:
        params = {"file_sha256": file_sha256} if file_sha256 else {}
        return ProofBundle.model_validate(
            self._call("GET", f"/v1/registrations/{registration_id}/bundle", params=params)
        )

    def catalogue(self, **filters: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/v1/catalogue", params=filters)
        return result

    def notices(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/v1/notices")
        return result

    # registrant -------------------------------------------------------------------------------------------
    def register(
        self, manifest_fields: dict[str, Any], signer: LocalAccount, key: str | None = None, again: bool = False
    ) -> dict[str, Any]:
        """The whole client-side-key flow: draft, sign the manifest, sign the application, submit and wait.

        `again` registers data the signer registered before, a second time (else 409 `already_registered`).
        """
        draft = self._call("POST", "/v1/drafts", json=manifest_fields)
        draft = self._sign(f"/v1/drafts/{draft['id']}/manifest-signature", draft["to_sign"], signer)
        headers = {"Idempotency-Key": key} if key else {}
        signature = self._signature(draft["to_sign"], signer)
        result: dict[str, Any] = self._call(
            "POST",
            f"/v1/drafts/{draft['id']}/submission",
            json={"signature": signature, "again": again},
            headers=headers,
            params={"wait": "true"},
        )
        return result

    def draft(self, draft_id: str) -> dict[str, Any]:
        """A draft as it stands: its state, its write and, once indexed, the registration it became."""
        result: dict[str, Any] = self._call("GET", f"/v1/drafts/{draft_id}")
        return result

    def sign_draft(self, manifest_fields: dict[str, Any], signer: LocalAccount) -> dict[str, Any]:
        """A draft whose manifest is signed and pinned (the manifest a change moves to)."""
        draft = self._call("POST", "/v1/drafts", json=manifest_fields)
        return self._sign(f"/v1/drafts/{draft['id']}/manifest-signature", draft["to_sign"], signer)

    def holder_action(self, registration_id: int, action: str, signer: LocalAccount, **body: Any) -> WriteAccepted:
        """A change (draft_id=...), an annual review (report_digest=...) or a cancellation (reason_digest=...)."""
        base = f"/v1/registrations/{registration_id}/holder-actions/{action}"
        typed = self._call("POST", f"{base}/typed-data", json=body)
        message = typed["message"]
        signed = {
            **body,
            "nonce": message["nonce"],
            "deadline": message["deadline"],
            "signature": self._signature(typed, signer),
        }
        return WriteAccepted.model_validate(self._call("POST", base, json=signed, params={"wait": "true"}))

    def approve_change(self, registration_id: int) -> WriteAccepted:
        return self._write(f"/v1/registrations/{registration_id}/change/approval")

    def _signature(self, typed: dict[str, Any], signer: LocalAccount) -> str:
        return to_hex(signer.sign_message(encode_typed_data(full_message=typed)).signature)

    def _sign(self, path: str, typed: dict[str, Any], signer: LocalAccount) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", path, json={"signature": self._signature(typed, signer)})
        return result

    def signed_terms(self, path: str, body: dict[str, Any], *signers: LocalAccount) -> dict[str, Any]:
        """Asks `path/terms` for the typed data and returns the body with nonce, deadline and each signature."""
        typed = self._call("POST", f"{path}/terms", json=body)
        signatures = [self._signature(typed, signer) for signer in signers]
        return {
            **body,
            "nonce": typed["message"]["nonce"],
            "deadline": typed["message"]["deadline"],
            "signatures": signatures,
        }

    def post_write(self, path: str, body: dict[str, Any] | None = None, key: str | None = None) -> WriteAccepted:
        """Any write endpoint, waiting for the chain."""
        return self._write(path, body, key)

    # authority, reviewer, regulator ------------------------------------------------------------------------
    def accept(self, registration_id: int, key: str | None = None) -> WriteAccepted:
        return self._write(f"/v1/registrations/{registration_id}/accept", key=key)

    def reject(self, registration_id: int, reason: str, key: str | None = None) -> WriteAccepted:
        return self._write(f"/v1/registrations/{registration_id}/reject", {"reason": reason}, key)

    def approve(self, registration_id: int, key: str | None = None) -> WriteAccepted:
        return self._write(f"/v1/registrations/{registration_id}/approve", key=key)

    def certify(self, registration_id: int, key: str | None = None) -> WriteAccepted:
        return self._write(f"/v1/registrations/{registration_id}/certify", key=key)

    def object(self, registration_id: int, evidence_digest: str, key: str | None = None) -> WriteAccepted:
        return self._write(f"/v1/registrations/{registration_id}/objections", {"evidence_digest": evidence_digest}, key)

    def resolve_objection(self, objection_id: int, upheld: bool, decision: str) -> WriteAccepted:
        return self._write(f"/v1/objections/{objection_id}/resolution", {"upheld": upheld, "decision": decision})

    def freeze(self, registration_id: int, reason: str) -> WriteAccepted:
        return self._write(f"/v1/registrations/{registration_id}/freeze", {"reason": reason})

    def unfreeze(self, registration_id: int) -> WriteAccepted:
        return self._write(f"/v1/registrations/{registration_id}/unfreeze")

    def audit_events(self, **filters: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/v1/audit/events", params=filters)
        return result

    def conflicts(self) -> dict[str, Any]:
        """What a regulator should look at: the same data claimed twice, overlapping licences, refused writes."""
        result: dict[str, Any] = self._call("GET", "/v1/audit/conflicts")
        return result

    def audit_export(self, fmt: str = "jsonl", **filters: Any) -> str:
        response = self._http.get("/v1/audit/export", params={"format": fmt, **filters})
        if response.status_code >= 400:
            raise ApiError(response.status_code, response.json())
        return response.text
