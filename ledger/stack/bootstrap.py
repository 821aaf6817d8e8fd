"""Gives the embedded stack's administrator the roles a local ledger needs to be usable at once.

Idempotent: every step first asks the chain whether it is already done.
"""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxParams

from ledger.chain.deployment import Deployment
from ledger.chain.transactions import send_and_wait

DAY = 86_400
DEV_AUTHORITY_CODE = Web3.keccak(text="DRL-DEV-AUTHORITY")
ROLE_NAMES = ("REVIEWER_ROLE", "REGULATOR_ROLE", "PARTY_ADMIN_ROLE", "PAUSER_ROLE")


def bootstrap_local_ledger(
    w3: Web3,
    deployment: Deployment,
    admin: LocalAccount,
    notice_days: int,
    review_interval_days: int,
    notice_seconds: int | None = None,
) -> int:
    """Grants the operational roles to `admin`, makes it the registry's first authority and an admitted party.

    `notice_seconds` replaces `notice_days` on a chain whose time cannot be moved forward (geth: the notice
    period passes in real time). Returns the authority id.
    """
    access = deployment.contract(w3, "LedgerAccess")
    sender: TxParams = {"from": admin.address}
    for role_name in ROLE_NAMES:
        role = getattr(access.functions, role_name)().call()
        if not access.functions.hasRole(role, admin.address).call():
            send_and_wait(w3, admin, access.functions.grantRole(role, admin.address).build_transaction(sender))
    registry = deployment.contract(w3, "Registrations")
    authority_id: int = registry.functions.authorityIdOf(admin.address).call()
    if authority_id == 0:
        tx = registry.functions.registerAuthority(
            admin.address, DEV_AUTHORITY_CODE, notice_seconds or notice_days * DAY, review_interval_days * DAY
        ).build_transaction(sender)
        send_and_wait(w3, admin, tx)
        authority_id = registry.functions.authorityIdOf(admin.address).call()
    if not access.functions.isAdmitted(admin.address).call():
        identity = Web3.keccak(text=f"dev-identity:{admin.address}")
        send_and_wait(w3, admin, access.functions.admitParty(admin.address, identity).build_transaction(sender))
    return authority_id
