"""The node's own health and its view of the registry connection."""
