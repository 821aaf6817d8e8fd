"""The registry on a real anvil chain, driven the way the ledger drives it: EIP-712 signatures made in
Python with eth-account, relayed by another key, recovered by the contract."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractCustomError

from ledger.chain.deployment import Deployment
from ledger.manifest.cid import raw_cid
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.vocabulary import Status

from .registry import advance_time, events, submission, transact

CHINA_STANDARD_TIME = timedelta(hours=8)


@pytest.fixture(scope="module")
def registrant(w3: Web3, deployment: Deployment, admin: LocalAccount) -> LocalAccount:
    account = dev_account(1, LOCAL_CHAIN_ID)
    access = deployment.contract(w3, "LedgerAccess")
    transact(w3, admin, access.functions.admitParty(account.address, Web3.keccak(text="registrant identity")))
    return account


def _selector(signature: str) -> str:
    return Web3.keccak(text=signature)[:4].to_0x_hex()


def _submit(w3: Web3, deployment: Deployment, registrant: LocalAccount, relayer: LocalAccount, manifest: bytes) -> int:
    contract = deployment.contract(w3, "Registrations")
    application = submission(w3, registrant.address, manifest, contract.functions.nonces(registrant.address).call())
    signature = application.sign(registrant, w3.eth.chain_id, deployment.registrations)
    receipt = transact(w3, relayer, contract.functions.submit(application.as_tuple(), signature))
    (event,) = events(contract, "RegistrationSubmitted", receipt)
    return int(event["args"]["registrationId"])


@pytest.mark.integration
def test_python_signature_is_recovered_on_chain_and_the_lifecycle_ends_in_a_certificate(
    w3: Web3, deployment: Deployment, admin: LocalAccount, registrant: LocalAccount, kubo_api: str
) -> None:
    contract = deployment.contract(w3, "Registrations")
    registration_id = _submit(w3, deployment, registrant, admin, b"manifest one")
    transact(w3, admin, contract.functions.accept(registration_id))
    transact(w3, admin, contract.functions.approve(registration_id))
    advance_time(w3, 7 * 86_400 + 1)
    receipt = transact(w3, admin, contract.functions.certify(registration_id))

    (certified,) = events(contract, "RegistrationCertified", receipt)
    assert Status.of(contract.functions.statusOf(registration_id).call()) is Status.CERTIFIED
    block_time = w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    day = (datetime.fromtimestamp(block_time, UTC) + CHINA_STANDARD_TIME).strftime("%Y%m%d")
    number = certified["args"]["certificateNumber"]
    assert str(number).startswith(day)
    assert len(str(number)) == 12

    certificates = deployment.contract(w3, "Certificates")
    token_id = certified["args"]["tokenId"]
    assert certificates.functions.ownerOf(token_id).call() == registrant.address
    assert certificates.functions.locked(token_id).call() is True

    document = f"certificate {number} for registration {registration_id}".encode()
    kubo_cid = httpx.post(
        f"{kubo_api}/api/v0/block/put",
        params={"cid-codec": "raw", "mhtype": "sha2-256", "pin": "true"},
        files={"file": document},
    ).json()["Key"]
    assert kubo_cid == raw_cid(document)
    transact(w3, admin, certificates.functions.publishDocument(token_id, hashlib.sha256(document).digest()))
    assert certificates.functions.tokenURI(token_id).call() == f"ipfs://{kubo_cid}"


@pytest.mark.integration
def test_a_signature_by_another_key_is_refused_with_its_custom_error(
    w3: Web3, deployment: Deployment, admin: LocalAccount, registrant: LocalAccount
) -> None:
    contract = deployment.contract(w3, "Registrations")
    application = submission(w3, registrant.address, b"forged", contract.functions.nonces(registrant.address).call())
    forged = application.sign(dev_account(2, LOCAL_CHAIN_ID), w3.eth.chain_id, deployment.registrations)
    with pytest.raises(ContractCustomError) as refused:
        contract.functions.submit(application.as_tuple(), forged).call({"from": admin.address})
    assert str(refused.value.data).startswith(_selector("InvalidSignature(address)"))


@pytest.mark.integration
def test_a_replayed_signature_is_refused(
    w3: Web3, deployment: Deployment, admin: LocalAccount, registrant: LocalAccount
) -> None:
    contract = deployment.contract(w3, "Registrations")
    application = submission(w3, registrant.address, b"replayed", contract.functions.nonces(registrant.address).call())
    signature = application.sign(registrant, w3.eth.chain_id, deployment.registrations)
    transact(w3, admin, contract.functions.submit(application.as_tuple(), signature))
    with pytest.raises(ContractCustomError) as refused:
        contract.functions.submit(application.as_tuple(), signature).call({"from": admin.address})
    assert str(refused.value.data).startswith(_selector("InvalidAccountNonce(address,uint256)"))
