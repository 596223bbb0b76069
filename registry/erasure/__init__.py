"""Erasure: the administrators' processing of deletion requests and death notices, and re-erasure after restores."""
