"""The federation: the library directory nodes read, and (later) signed patron statements."""
