"""A licensee derives from a registration under any processing licence in force, not only the one the chain's
lineage index holds (issue 11 item 3: the index keeps one licence per licensee, and after it ends another
licence in force counted only once somebody called `recordLineage`)."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.rights import LicenceTerms
from ledger.index.tables import LicenceRow
from ledger.outbox import OutboxStatus
from ledger.registration import relay_application
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.vocabulary import LicenceType, Right

from ..integration.history import History, digest
from ..integration.registry import events, submission, transact
from .conftest import Service, eventually

pytestmark = pytest.mark.integration


def _grant(history: History, holder: LocalAccount, licensee: str, registration_id: int, starts: int, ends: int) -> int:
    rights = history.deployment.contract(history.w3, "Rights")
    right = Right.PROCESSING_AND_USE
    terms = LicenceTerms(
        registration_id,
        right,
        holder.address,
        licensee,
        LicenceType.NON_EXCLUSIVE,
        digest(f"scope {registration_id} {starts}"),
        starts,
        ends,
        False,
        0,
        int(rights.functions.nonceOf(registration_id, right.code).call()),
        int(history.w3.eth.get_block("latest")["timestamp"]) + 3600,
    )
    signature = terms.sign(holder, LOCAL_CHAIN_ID, history.deployment.rights)
    receipt = transact(history.w3, history.admin, rights.functions.grantLicence(terms.as_tuple(), signature))
    return int(events(rights, "LicenceGranted", receipt)[0]["args"]["licenceId"])


def _pinned_manifest(service: Service) -> bytes:
    """The digest of a block pinned on the ledger's node, so that the shared chain references nothing missing
    (the retention check of other tests reads every manifest the chain names)."""
    block = b'{"manifest":"lineage test ' + uuid.uuid4().hex.encode() + b'"}'
    service.runtime.ipfs.put_raw_block(block)
    return hashlib.sha256(block).digest()


def _submit(history: History, service: Service, registrant: LocalAccount) -> int:
    nonce = history.registry.functions.nonces(registrant.address).call()
    application = submission(history.w3, registrant.address, b"", nonce, manifest_digest=_pinned_manifest(service))
    signature = application.sign(registrant, LOCAL_CHAIN_ID, history.deployment.registrations)
    receipt = transact(history.w3, history.admin, history.registry.functions.submit(application.as_tuple(), signature))
    return int(events(history.registry, "RegistrationSubmitted", receipt)[0]["args"]["registrationId"])


def test_a_licensee_derives_under_a_licence_in_force_after_the_indexed_licence_ends(service: Service) -> None:
    chain = service.chain
    w3, deployment, day = chain.w3, chain.deployment, chain.day  # a day lasts seconds on geth
    history = History(w3, deployment, chain.admin)
    holder, licensee = (dev_account(index, LOCAL_CHAIN_ID) for index in (40, 41))
    for party in (holder, licensee):
        chain.admit(party.address, f"lineage {party.address}")  # parties that never send: no funds needed
    parent = _submit(history, service, holder)
    history.to_notice(parent)
    chain.let_notice_pass(parent)
    transact(w3, chain.admin, history.registry.functions.certify(parent))
    now = chain.now()
    short = _grant(history, holder, licensee.address, parent, now, now + 10 * day)
    # Not started when granted, so it does not displace the short licence from the lineage index.
    long = _grant(history, holder, licensee.address, parent, now + 5 * day, now + 365 * day)
    chain.let_time_reach(now + 11 * day)
    rights = deployment.contract(w3, "Rights")
    assert rights.functions.processingLicenceOf(parent, licensee.address).call() == short
    assert rights.functions.isLicenceCurrent(long).call()
    assert not rights.functions.mayProcess(parent, licensee.address).call()  # the gap, on chain

    runtime = service.runtime
    eventually(lambda: _indexed(service, str(long)))
    nonce, deadline = runtime.signing_terms(licensee.address)
    application = submission(
        w3,
        licensee.address,
        b"derived",
        nonce,
        parents=(parent,),
        deadline=deadline,
        manifest_digest=_pinned_manifest(service),
    )
    signature = application.sign(licensee, LOCAL_CHAIN_ID, deployment.registrations)

    result = relay_application(
        runtime, application, signature, key=f"derived:{uuid.uuid4().hex}", again=True, wait=True
    )

    assert result.status == OutboxStatus.MINED
    assert rights.functions.mayProcess(parent, licensee.address).call()


def _indexed(service: Service, licence_id: str) -> bool:
    with service.runtime.sessions() as session:
        return session.get(LicenceRow, licence_id) is not None
