"""HTTP plumbing shared by the registry and the library nodes."""
