"""Which block the ledger treats as final: the one place that decides it.

A chain whose client names its final blocks (the `finalized` or `safe` block tag: Besu with QBFT finalises
each block at once, a proof-of-stake chain after its epochs) is asked for the tagged block; a client without
the tag (or a ledger configured without one) counts the configured confirmation depth back from the head.
The development chains answer the tags but lag them behind on purpose (anvil: `safe` is 32 blocks back,
`finalized` 64; geth --dev: `finalized` at epochs of 32, `safe` is the head), so the embedded stack uses the
depth and a deployment chooses its tag in the settings (`DRL_FINALITY_TAG`).
"""

from __future__ import annotations

from typing import Literal

from web3 import Web3
from web3.exceptions import BlockNotFound, Web3RPCError

FinalityTag = Literal["finalized", "safe"]


def final_block(w3: Web3, confirmations: int, tag: FinalityTag | None = None) -> int:
    """The number of the newest block the ledger treats as final (never below 0).

    With `tag`, the client's tagged block where the client has the tag; otherwise, or when the client
    answers that it does not know the tag, the head minus `confirmations`.
    """
    if tag is not None:
        try:
            return int(w3.eth.get_block(tag)["number"])
        except (BlockNotFound, Web3RPCError, ValueError, KeyError):
            pass  # a client without the tag: the depth decides
    return max(int(w3.eth.block_number) - confirmations, 0)
