"""Several submissions of one registrant in flight at once, on a real anvil that mines only when told."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.chain.registry import signer_nonce
from ledger.config import Settings
from ledger.outbox import OutboxStatus
from ledger.registration import relay_application
from ledger.runtime import LedgerRuntime
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from .registry import submission, transact

pytestmark = pytest.mark.integration
ADMIN = dev_account(0, LOCAL_CHAIN_ID)
REGISTRANT = dev_account(13, LOCAL_CHAIN_ID)


@pytest.fixture
def runtime(private_chain: tuple[Web3, Deployment], tmp_path: Path) -> Iterator[LedgerRuntime]:
    w3, deployment = private_chain
    access = deployment.contract(w3, "LedgerAccess")
    if not access.functions.isAdmitted(REGISTRANT.address).call():
        transact(w3, ADMIN, access.functions.admitParty(REGISTRANT.address, Web3.keccak(text="in flight")))
    deployment.save(tmp_path / "deployment.json")
    settings = Settings(data_dir=tmp_path, rpc_url=w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    ledger = LedgerRuntime(settings)
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    yield ledger
    w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    ledger.close()


def _relay_next(runtime: LedgerRuntime, name: str) -> OutboxStatus:
    """Signs the registrant's next application (nonce from the service's signing terms) and relays it."""
    nonce, deadline = runtime.signing_terms(REGISTRANT.address)
    application = submission(runtime.w3, REGISTRANT.address, name.encode(), nonce, deadline=deadline)
    deployment = runtime.deployment
    signature = application.sign(REGISTRANT, deployment.chain_id, deployment.registrations)
    result = relay_application(runtime, application, signature, key=f"in-flight:{name}", again=False, wait=False)
    return result.status


def test_a_registrant_s_second_submission_is_queued_while_the_first_is_unmined_and_both_are_registered(
    private_chain: tuple[Web3, Deployment], runtime: LedgerRuntime
) -> None:
    w3, _ = private_chain
    on_chain_before = signer_nonce(runtime.contracts, REGISTRANT.address)
    assert _relay_next(runtime, "first") is OutboxStatus.QUEUED
    runtime.outbox.run_once()  # the first is sent, not mined
    assert _relay_next(runtime, "second") is OutboxStatus.QUEUED  # refused with InvalidAccountNonce before
    assert _relay_next(runtime, "third") is OutboxStatus.QUEUED
    runtime.outbox.run_once()
    second = runtime.outbox.result("in-flight:second")
    assert second is not None
    assert second.status is OutboxStatus.QUEUED  # waits behind the first rather than fail its dry run
    w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    results = [runtime.outbox.wait(f"in-flight:{name}", timeout=30) for name in ("first", "second", "third")]
    assert [result.status for result in results] == [OutboxStatus.MINED] * 3
    assert signer_nonce(runtime.contracts, REGISTRANT.address) == on_chain_before + 3
