"""The Data Rights Ledger core: manifests, signing, the chain client, IPFS, the outbox and the event index."""

__version__ = "0.1.0"
