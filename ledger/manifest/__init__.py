"""Manifests: the typed application a registrant signs, as canonical JSON in one raw IPFS block."""
