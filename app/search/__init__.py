"""Course search: one interface (`app.search.interface`), a PostgreSQL backend, and the service
that resolvers, workers and the CLI call (`app.search.service`)."""
