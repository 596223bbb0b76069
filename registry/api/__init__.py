"""The wire contract of the node API: pydantic models shared by the server, the OpenAPI document and the client."""
