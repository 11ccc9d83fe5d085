"""GraphQL types of the admin API: users, the audit log, and the admin work queues."""
