"""The embedded chain's development accounts.

anvil funds the accounts of a publicly known test mnemonic. They are for the local chain only: the
embedded stack uses the first as administrator and relayer, and nothing outside a local chain
(chain id 31337) may use them.
"""

from __future__ import annotations

from eth_account import Account
from eth_account.signers.local import LocalAccount

ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
LOCAL_CHAIN_ID = 31337


class NotALocalChainError(RuntimeError):
    """A development key was asked for on a chain that is not the local one."""


def dev_account(index: int, chain_id: int) -> LocalAccount:
    """The `index`-th funded development account of anvil; refused on any chain but the local one."""
    if chain_id != LOCAL_CHAIN_ID:
        raise NotALocalChainError(f"development keys are for chain {LOCAL_CHAIN_ID} only, not {chain_id}")
    Account.enable_unaudited_hdwallet_features()
    account: LocalAccount = Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    return account
