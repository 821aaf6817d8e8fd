"""Proof maths: Merkle trees and inclusion proofs, and proof bundles. Nothing here talks to a network,
so the offline verifier stays small and auditable."""
