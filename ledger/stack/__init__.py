"""The embedded stack: a local anvil chain and a local Kubo node, supervised on 127.0.0.1."""
