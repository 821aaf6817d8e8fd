"""Drives a long, mixed history on a chain: every kind of registry event, from several registrants."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.chain.rights import EncumbranceTerms, LicenceTerms, TransferTerms
from ledger.chain.typed_data import signable
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.vocabulary import Encumbrance, LicenceType, ReportKind, Right, Status

from .registry import advance_time, events, submission, transact

DAY = 86_400


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


@dataclass
class History:
    """A ledger being driven: the chain, the deployment, the actors and what happened."""

    w3: Web3
    deployment: Deployment
    admin: LocalAccount
    registrants: list[LocalAccount] = field(default_factory=list)
    counter: int = 0

    @property
    def registry(self):  # type: ignore[no-untyped-def]
        return self.deployment.contract(self.w3, "Registrations")

    def admit(self, count: int, first_index: int = 20) -> None:
        access = self.deployment.contract(self.w3, "LedgerAccess")
        for index in range(first_index, first_index + count):
            account = dev_account(index, LOCAL_CHAIN_ID)
            self.w3.provider.make_request("anvil_setBalance", [account.address, hex(10**21)])  # type: ignore[arg-type]
            transact(self.w3, self.admin, access.functions.admitParty(account.address, digest(account.address)))
            self.registrants.append(account)

    def submit(self, registrant: LocalAccount, parents: tuple[int, ...] = ()) -> int:
        self.counter += 1
        nonce = self.registry.functions.nonces(registrant.address).call()
        application = submission(
            self.w3, registrant.address, f"manifest {self.counter}".encode(), nonce, parents=parents
        )
        signature = application.sign(registrant, LOCAL_CHAIN_ID, self.deployment.registrations)
        receipt = transact(self.w3, self.admin, self.registry.functions.submit(application.as_tuple(), signature))
        return int(events(self.registry, "RegistrationSubmitted", receipt)[0]["args"]["registrationId"])

    def to_notice(self, registration_id: int) -> None:
        transact(self.w3, self.admin, self.registry.functions.accept(registration_id))
        transact(self.w3, self.admin, self.registry.functions.approve(registration_id))

    def certify(self, registration_id: int) -> None:
        advance_time(self.w3, 7 * DAY + 1)
        transact(self.w3, self.admin, self.registry.functions.certify(registration_id))

    def holder_call(self, holder: LocalAccount, primary: str, registration_id: int, *fields: str) -> tuple:
        digests = {name: digest(f"{primary}:{name}:{registration_id}:{self.counter}") for name in fields}
        nonce = self.registry.functions.nonces(holder.address).call()
        deadline = self.w3.eth.get_block("latest")["timestamp"] + 3600
        message = {"registrationId": registration_id, **digests, "nonce": nonce, "deadline": deadline}
        signed = holder.sign_message(signable(primary, message, LOCAL_CHAIN_ID, self.deployment.registrations))
        return (registration_id, *digests.values(), nonce, deadline, bytes(signed.signature))

    def status(self, registration_id: int) -> Status:
        return Status.of(self.registry.functions.statusOf(registration_id).call())


def drive_mixed_history(history: History, rounds: int, seed: int = 7) -> None:
    """`rounds` rounds of registrations taken through different paths of the lifecycle."""
    rng = random.Random(seed)
    fn = history.registry.functions
    w3, admin = history.w3, history.admin
    for round_number in range(rounds):
        registrant = rng.choice(history.registrants)
        registration_id = history.submit(registrant)
        path = round_number % 6
        if path == 0:
            transact(w3, admin, fn.reject(registration_id, digest("incomplete evidence")))
            continue
        history.to_notice(registration_id)
        if path == 1:
            receipt = transact(w3, admin, fn.fileObjection(registration_id, digest(f"objection {round_number}")))
            objection_id = events(history.registry, "ObjectionFiled", receipt)[0]["args"]["objectionId"]
            transact(w3, admin, fn.resolveObjection(objection_id, rng.random() < 0.5, digest("decision")))
            if history.status(registration_id) is Status.REJECTED:
                continue
        history.certify(registration_id)
        if path == 2:
            change = history.holder_call(
                registrant, "ChangeRequest", registration_id, "manifestDigest", "dataCommitment"
            )
            transact(w3, admin, fn.requestChange(*change))
            transact(w3, admin, fn.approveChange(registration_id))
            history.submit(registrant, parents=(registration_id,))
        elif path == 3:
            transact(w3, admin, fn.freeze(registration_id, digest("investigation")))
            transact(w3, admin, fn.unfreeze(registration_id))
            transact(w3, admin, fn.issueEvidenceCertificate(registration_id))
        elif path == 4:
            receipt = transact(w3, admin, fn.fileObjection(registration_id, digest("dispute")))
            objection_id = events(history.registry, "ObjectionFiled", receipt)[0]["args"]["objectionId"]
            transact(w3, admin, fn.resolveObjection(objection_id, True, digest("upheld")))
        elif path == 5:
            cancel = history.holder_call(registrant, "Cancellation", registration_id, "reasonDigest")
            transact(w3, admin, fn.cancel(*cancel))
    anchors = history.deployment.contract(w3, "EvidenceAnchors")
    for batch in range(3):
        transact(
            w3,
            history.registrants[batch % len(history.registrants)],
            anchors.functions.anchor(digest(f"root {batch} {history.counter}"), 1000 + batch, digest(f"batch {batch}")),
        )


def drive_rights(history: History, seed: int = 11) -> None:
    """Transfers, licences, pledges and endorsements on a fresh certified registration."""
    rng = random.Random(seed)
    w3, admin, deployment = history.w3, history.admin, history.deployment
    rights = deployment.contract(w3, "Rights")
    holder, newcomer = rng.sample(history.registrants, 2)
    registration_id = history.submit(holder)
    history.to_notice(registration_id)
    history.certify(registration_id)
    now = w3.eth.get_block("latest")["timestamp"]

    def nonce(right: Right) -> int:
        return int(rights.functions.nonceOf(registration_id, right.code).call())

    licence = LicenceTerms(
        registration_id,
        Right.PROCESSING_AND_USE,
        holder.address,
        newcomer.address,
        LicenceType.NON_EXCLUSIVE,
        digest(f"scope {registration_id}"),
        now,
        now + 365 * DAY,
        False,
        0,
        nonce(Right.PROCESSING_AND_USE),
        now + 3600,
    )
    transact(
        w3,
        admin,
        rights.functions.grantLicence(licence.as_tuple(), licence.sign(holder, LOCAL_CHAIN_ID, deployment.rights)),
    )

    pledge = EncumbranceTerms(
        registration_id,
        Right.RESOURCE_HOLDING,
        Encumbrance.PLEDGE,
        holder.address,
        admin.address,
        digest("loan agreement"),
        nonce(Right.RESOURCE_HOLDING),
        now + 3600,
    )
    transact(
        w3, admin, rights.functions.encumber(pledge.as_tuple(), pledge.sign(holder, LOCAL_CHAIN_ID, deployment.rights))
    )
    transact(w3, admin, rights.functions.release(registration_id, Right.RESOURCE_HOLDING.code))

    transfer = TransferTerms(
        registration_id,
        Right.RESOURCE_HOLDING,
        holder.address,
        newcomer.address,
        digest("sale agreement"),
        nonce(Right.RESOURCE_HOLDING),
        now + 3600,
    )
    transact(
        w3,
        admin,
        rights.functions.requestTransfer(
            transfer.as_tuple(),
            transfer.sign(holder, LOCAL_CHAIN_ID, deployment.rights),
            transfer.sign(newcomer, LOCAL_CHAIN_ID, deployment.rights),
        ),
    )
    transact(w3, admin, rights.functions.approveTransfer(registration_id, Right.RESOURCE_HOLDING.code))

    access = deployment.contract(w3, "LedgerAccess")
    role = access.functions.AGENCY_ROLE().call()
    if not access.functions.hasRole(role, admin.address).call():
        transact(w3, admin, access.functions.grantRole(role, admin.address))
    endorsements = deployment.contract(w3, "Endorsements")
    report = digest(f"compliance opinion {registration_id}")
    transact(w3, admin, endorsements.functions.endorse(registration_id, ReportKind.COMPLIANCE.code, report))
    if rng.random() < 0.5:
        transact(w3, admin, endorsements.functions.withdraw(report, digest("superseded")))
