"""schemathesis against the service's OpenAPI schema: whatever it sends, no 5xx.

Driven through schemathesis's Python API with Hypothesis directly (its pytest plugin does not yet
support pytest 9): every operation of the schema gets generated cases. The generation is derandomised so
that CI is reproducible; dropping `derandomize` (and raising `max_examples`) gives the wider random run
that found the four 5xx bugs fixed so far.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case

from ..factories import manifest_fields
from .conftest import Service

DRAFT = "/v1/drafts/{draft_id}"
EXAMPLES_PER_OPERATION = {"anvil": 15, "geth": 5}  # geth's half of the suite has a time budget in CI; the code
# under test is the same on both chains, so the wider run on anvil is where generated requests find bugs

pytestmark = pytest.mark.integration


def test_no_request_makes_the_service_fail(service: Service) -> None:
    """Anonymous requests of every operation, and regulator-token reads of the audit trail (fewer on geth)."""
    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION[service.chain.name],
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def exercise(case: Case) -> None:
            headers = None
            if case.method == "GET" and case.path.startswith("/v1/audit"):
                headers = {"Authorization": f"Bearer {service.tokens['regulator']}"}
            response = case.call(base_url=service.url, headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")

        exercise()
    assert failures == []


def test_no_sequence_of_linked_requests_makes_the_service_fail(service: Service) -> None:
    """Stateful: schemathesis follows the schema's OpenAPI links (a draft's id into its next steps, a listed
    registration into its report, bundle and lineage) as a registrant would; derandomised and bounded."""
    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
    links = [
        name
        for item in schema.raw_schema["paths"].values()
        for operation in item.values()
        for response in operation.get("responses", {}).values()
        for name in response.get("links", {})
    ]
    assert len(links) >= 10
    failures: list[str] = []
    answered: set[tuple[str, str, int]] = set()
    registrant = {"Authorization": f"Bearer {service.tokens['registrant']}"}

    draft = manifest_fields(service.registrant.address, title="stateful fuzz")
    draft.pop("registrant")
    valid_draft = json.loads(json.dumps(draft, default=str))

    # The run walks the operations the links join (drafts, the catalogue and notices, a registration's report, bundle
    # and lineage): over every operation, a bounded derandomised run may never reach a draft as the schema grows.
    linked = schema.include(
        path_regex=r"^/v1/(drafts|catalogue|notices|registrations/\{registration_id\}(/bundle|/lineage)?$)"
    )

    class Linked(linked.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            # Draft creation gets a valid manifest, so that the links from its answer lead somewhere; the
            # per-operation run above is where its bad bodies are tried.
            if case.method == "POST" and case.path == "/v1/drafts":
                case.body = valid_draft

        def get_call_kwargs(self, case: Case) -> dict[str, object]:
            return {"base_url": service.url, "headers": registrant}

        def validate_response(self, response: object, case: Case, **kwargs: object) -> None:
            status = response.status_code  # type: ignore[attr-defined]
            answered.add((case.method, case.path, status))
            if status >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {status}: {response.text[:200]}")  # type: ignore[attr-defined]

    Linked.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
    )
    assert failures == []
    # An operation on a draft answered with success: a link was followed (a made-up id finds nothing).
    followed = {(method, path) for method, path, status in answered if path.startswith(DRAFT) and status < 300}
    assert followed, sorted(answered)
