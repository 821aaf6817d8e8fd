"""A malformed manifest signature is a refusal (ManifestSignatureError), never an unexpected error (a 500)."""

from __future__ import annotations

import pytest
from eth_account import Account

from ledger.manifest.model import RegistrantSignature, SignedManifest
from ledger.manifest.signing import ManifestSignatureError, verify_manifest_signature

from ..factories import make_manifest

REGISTRY = "0x" + "44" * 20


@pytest.mark.parametrize("value", ["0x" + "00" * 65, "0x" + "ff" * 65, "0x" + "11" * 64 + "05"])
def test_a_signature_with_v_r_or_s_out_of_range_is_refused(value: str) -> None:
    registrant = Account.create()
    document = SignedManifest(
        manifest=make_manifest(registrant.address),
        signature=RegistrantSignature(signer=registrant.address, value=value),
    )
    with pytest.raises(ManifestSignatureError):
        verify_manifest_signature(document, 31337, REGISTRY)
