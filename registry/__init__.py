"""Central patron registry service."""
