"""The registry administrators' desk: server-rendered pages on their own mutual-TLS listener."""
