"""The plumbing every natreg service stands on: database, keys and certificates, TLS, problem+json, web pages.

The bottom layer: it imports nothing of the contract, the services or the tools (tests/foundation/test_layers.py).
"""
