"""GraphQL types of accounts: `types` (User, its profile and sessions), `inputs`, `payloads`."""

from schema.accounts.types import Role, Session, User, UserProfile, sees_private_fields

__all__ = ["Role", "Session", "User", "UserProfile", "sees_private_fields"]
