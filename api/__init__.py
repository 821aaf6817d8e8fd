"""The Data Rights Ledger HTTP service: registration workflow, verification, provenance and audit."""
