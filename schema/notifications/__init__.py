"""GraphQL types of the notifications domain."""
