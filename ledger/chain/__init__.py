"""The chain client: contract artifacts, deployment, signing and typed calls."""
