"""Every refusal a relayed release or revocation can meet reads as a sentence in Chinese, not as a rule's name."""

from __future__ import annotations

import re

from api.web.i18n import WEB

SIGNED_PATH_REFUSALS = (
    "InvalidSignature",
    "SignatureExpired",
    "InvalidRightNonce",
    "InvalidSublicenceNonce",
    "NotCreditor",
    "NotLicensor",
    "LicenceNotInStatus",
    "RightNotEncumbered",
    "LedgerPaused",
)


def test_refusals_of_signed_releases_and_revocations_have_a_translated_sentence() -> None:
    refusals = (WEB / "templates" / "_refusals.html").read_text()
    catalogue = (WEB / "locale" / "zh" / "LC_MESSAGES" / "messages.po").read_text()
    for rule in SIGNED_PATH_REFUSALS:
        found = re.search(rf'"{rule}": _\("([^"]+)"\)', refusals)
        assert found, f"{rule} has no sentence"
        translated = re.search(rf'msgid "{re.escape(found.group(1))}"\nmsgstr "([^"]+)"', catalogue)
        assert translated, f"{rule} has no Chinese sentence"
