"""OpenAPI links: where one operation's answer feeds the next (a draft's id, a listed registration's id).

Clients and stateful fuzzers (schemathesis) follow them; they are added to the generated schema here, in
one table, so that the routes stay free of documentation plumbing.
"""

from __future__ import annotations

from typing import Any

DRAFT = "/v1/drafts/{draft_id}"
REGISTRATION = "/v1/registrations/{registration_id}"
FIRST_LISTED = "$response.body#/items/0/registration_id"

# (path, method, status) -> {link name: (target path, target method, {parameter: runtime expression})}
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("/v1/drafts", "post", "201"): {
        "GetDraft": (DRAFT, "get", {"draft_id": "$response.body#/id"}),
        "UploadEvidence": (f"{DRAFT}/evidence", "post", {"draft_id": "$response.body#/id"}),
        "SignManifest": (f"{DRAFT}/manifest-signature", "post", {"draft_id": "$response.body#/id"}),
        "Submit": (f"{DRAFT}/submission", "post", {"draft_id": "$response.body#/id"}),
    },
    ("/v1/drafts/{draft_id}/evidence", "post", "200"): {
        "SignManifest": (f"{DRAFT}/manifest-signature", "post", {"draft_id": "$response.body#/id"}),
    },
    ("/v1/drafts/{draft_id}/manifest-signature", "post", "200"): {
        "Submit": (f"{DRAFT}/submission", "post", {"draft_id": "$response.body#/id"}),
    },
    ("/v1/catalogue", "get", "200"): {
        "GetRegistration": (REGISTRATION, "get", {"registration_id": FIRST_LISTED}),
        "GetBundle": (f"{REGISTRATION}/bundle", "get", {"registration_id": FIRST_LISTED}),
        "GetLineage": (f"{REGISTRATION}/lineage", "get", {"registration_id": FIRST_LISTED}),
    },
    ("/v1/notices", "get", "200"): {
        "GetRegistration": (REGISTRATION, "get", {"registration_id": FIRST_LISTED}),
    },
    (REGISTRATION, "get", "200"): {
        "GetBundle": (f"{REGISTRATION}/bundle", "get", {"registration_id": "$request.path.registration_id"}),
        "GetLineage": (f"{REGISTRATION}/lineage", "get", {"registration_id": "$request.path.registration_id"}),
    },
}


def _reference(path: str, method: str) -> str:
    """A JSON pointer to an operation (RFC 6901: `~` and `/` escaped)."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def add_links(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with `LINKS` on the responses that exist in it (a route that moved is skipped, not an error)."""
    paths = schema.get("paths", {})
    for (path, method, status), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        response["links"] = {
            name: {"operationRef": _reference(target, target_method), "parameters": parameters}
            for name, (target, target_method, parameters) in links.items()
            if target_method in paths.get(target, {})
        }
    return schema
