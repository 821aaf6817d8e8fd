"""API tokens as the service uses them: the roles a token may carry. The tokens themselves (issue, find, revoke,
list) are kept by `ledger.access_tokens`."""

from __future__ import annotations

from enum import StrEnum

from ledger.access_tokens import TOKEN_PREFIX, ApiToken, find_token, is_live, issue_token, list_tokens, revoke_token

# Where in a request's state the door (api.limits) leaves the live token it found: (the token, its row).
LIVE_TOKEN = "live_token"  # noqa: S105 - a key name, not a secret

__all__ = [
    "LIVE_TOKEN",
    "TOKEN_PREFIX",
    "ApiToken",
    "Role",
    "find_token",
    "is_live",
    "issue_token",
    "list_tokens",
    "revoke_token",
]


class Role(StrEnum):
    """What a token may do."""

    REGISTRANT = "registrant"
    REVIEWER = "reviewer"
    AUTHORITY = "authority"
    REGULATOR = "regulator"
    AGENCY = "agency"
    ADMIN = "admin"
