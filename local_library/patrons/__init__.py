"""The node's patrons: local-only and institution cards, guardians, contact details, PINs, lost cards, blocks.

National patrons live in the same table (linked to the registry by ``registry_patron_id``); the flows that
talk to the registry are elsewhere. The national ID is never stored by the node.
"""
