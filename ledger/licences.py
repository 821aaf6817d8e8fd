"""Rules of licence registration (许可登记) the service checks before relaying a licence."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.index import queries
from ledger.ipfs import IpfsError
from ledger.manifest.cid import raw_cid_of_digest
from ledger.replication import Pinset
from ledger.vocabulary import Origin


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
