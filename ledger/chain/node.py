"""The connection to a JSON-RPC node, with none of the calls web3 makes by default that the ledger does not need.

web3's validation middleware asks the node for its chain id before every `eth_call` and `eth_estimateGas`
(7 of the 18 calls a registration made): the ledger signs its own transactions with the chain id it
deployed to, so the check adds nothing. The chain id itself is asked once and cached by the provider.
"""

from __future__ import annotations

from web3 import Web3
from web3.types import RPCEndpoint

CACHED_CALLS = {RPCEndpoint("eth_chainId")}  # answers that never change under a connection


def connect(rpc_url: str, timeout: float = 30.0) -> Web3:
    """A web3 connection to `rpc_url` without the validation middleware, the chain id cached."""
    provider = Web3.HTTPProvider(
        rpc_url, request_kwargs={"timeout": timeout}, cache_allowed_requests=True, cacheable_requests=CACHED_CALLS
    )
    w3 = Web3(provider)
    w3.middleware_onion.remove("validation")
    return w3
