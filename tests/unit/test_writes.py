"""Typed writes: the bytes a builder encodes are the call web3 would make, aimed at the right contract."""

from __future__ import annotations

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector
from web3 import Web3

from ledger.chain import registry, rights
from ledger.chain.contracts import Contracts
from ledger.chain.deployment import Deployment
from ledger.encoding import text_digest
from ledger.vocabulary import ReviewDecision, Right

ADDRESSES = {
    name: Web3.to_checksum_address(f"0x{index:040x}")
    for index, name in enumerate(
        ("admin", "ledger_access", "certificates", "registrations", "evidence_anchors", "rights", "endorsements"), 1
    )
}
DEPLOYMENT = Deployment(chain_id=31337, deployment_block=1, **ADDRESSES)
CONTRACTS = Contracts(Web3(), DEPLOYMENT)


def _abi_call(signature: str, *args: object) -> bytes:
    """The call data by the ABI specification: the function selector, then the encoded arguments."""
    types = signature[signature.index("(") + 1 : -1].split(",")
    return function_signature_to_4byte_selector(signature) + encode(types, list(args))


def test_a_release_is_the_rights_call_with_the_rights_solidity_code() -> None:
    write = rights.release(CONTRACTS, 7, Right.PROCESSING_AND_USE)
    assert write.to == DEPLOYMENT.rights
    assert write.purpose == "release"
    assert write.data == _abi_call("release(uint256,uint8)", 7, 1)


def test_a_reasoned_decision_carries_the_sha256_of_its_reason() -> None:
    write = registry.decide(CONTRACTS, ReviewDecision.FREEZE, 9, "under investigation")
    assert write.to == DEPLOYMENT.registrations
    assert write.data == _abi_call("freeze(uint256,bytes32)", 9, text_digest("under investigation"))


def test_a_decision_that_takes_no_reason_is_sent_without_one() -> None:
    assert registry.decide(CONTRACTS, ReviewDecision.CERTIFY, 9).data == _abi_call("certify(uint256)", 9)
