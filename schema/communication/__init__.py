"""GraphQL types of the communication domain."""
