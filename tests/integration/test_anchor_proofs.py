"""A batch tree built in Python is anchored in one transaction and every proof verifies on chain."""

from __future__ import annotations

import hashlib

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.proofs.merkle import LEAF_DOMAIN, MerkleTree, leaf_hash

from .registry import transact

pytestmark = pytest.mark.integration


def test_python_proofs_verify_on_chain_and_the_leaf_scheme_matches(
    w3: Web3, deployment: Deployment, admin: LocalAccount
) -> None:
    anchors = deployment.contract(w3, "EvidenceAnchors")
    entries = [hashlib.sha256(f"evidence record {i}".encode()).digest() for i in range(37)]
    tree = MerkleTree.build(entries)
    transact(w3, admin, anchors.functions.anchor(tree.root, len(entries), hashlib.sha256(b"batch").digest()))

    assert anchors.functions.LEAF_DOMAIN().call() == LEAF_DOMAIN
    for entry in entries[:5] + entries[-3:]:
        assert anchors.functions.leafOf(entry).call() == leaf_hash(entry)
        assert anchors.functions.verifyInclusion(admin.address, tree.root, entry, tree.proof(entry)).call()
    stranger = hashlib.sha256(b"not in the batch").digest()
    assert not anchors.functions.verifyInclusion(admin.address, tree.root, stranger, tree.proof(entries[0])).call()
