"""Rules of licence registration (许可登记) the service checks before relaying a licence, and the lineage of
licensees: deriving from a registration under any processing licence in force."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.chain import rights
from ledger.chain.contracts import Contracts
from ledger.index import queries
from ledger.index.tables import LicenceRow
from ledger.ipfs import IpfsError
from ledger.manifest.cid import raw_cid_of_digest
from ledger.replication import Pinset
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import Origin, Right
from ledger.writes import ContractRefusedError, send, write_key


class ScopeNotPublicError(ValueError):
    """A licence of public data names a scope document that is not published."""


def check_public_scope(session: Session, ipfs: Pinset, registration_id: int, scope_digest: bytes) -> None:
    """Public data's licences must be public (DESIGN §1): the scope document's raw block must be retrievable
    from the ledger's own node. Licences of other data pass."""
    row = queries.registration(session, registration_id)
    if row is None or Origin.of(row.origin) is not Origin.PUBLIC:
        return
    cid = raw_cid_of_digest(scope_digest)
    try:
        ipfs.get_raw_block(cid, offline=True)
    except IpfsError as error:
        raise ScopeNotPublicError(f"{cid} is not retrievable from the ledger's IPFS node") from error


def licences_to_record(session: Session, contracts: Contracts, licensee: str, parents: Iterable[int]) -> list[int]:
    """For each parent `licensee` may not derive from as the chain's lineage index stands, a processing licence of
    its that is in force (the latest-ending one), if it has any.

    The chain keeps one processing licence per licensee and registration for lineage (`Rights.mayProcess`, O(1)
    within the gas a submission may cost); when that licence ends, another licence in force counts only once
    `recordLineage` points the index at it. The index names the candidates; the chain decides which are in force.
    """
    found = []
    for parent in parents:
        if rights.may_process(contracts, parent, licensee):
            continue
        candidates = session.scalars(
            select(LicenceRow.id)
            .where(
                LicenceRow.registration_id == parent,
                LicenceRow.licensee == licensee,
                LicenceRow.right == Right.PROCESSING_AND_USE.code,
            )
            .order_by(LicenceRow.ends_at.desc())
        ).all()
        current = next((int(c) for c in candidates if rights.is_licence_current(contracts, int(c))), None)
        if current is not None:
            found.append(current)
    return found


def record_lineage(runtime: LedgerRuntime, licensee: str, parents: Iterable[int]) -> None:
    """Before a submission derived from `parents` is relayed: points the lineage index of `licensee` at a licence
    in force wherever the one it holds is not, and waits until that is mined, so that any licence in force counts.
    A refusal (somebody pointed it first) is left to the submission's own dry run to judge."""
    with runtime.sessions() as session:
        licences = licences_to_record(session, runtime.contracts, licensee, parents)
    for licence_id in licences:
        try:
            send(
                runtime,
                rights.record_lineage(runtime.contracts, licence_id),
                sender=runtime.relayer.address,
                key=write_key(f"lineage:{licence_id}", None),
                wait=True,
            )
        except ContractRefusedError:
            continue
