"""Course search: one interface (`app.search.interface`), a PostgreSQL backend and an OpenSearch
one (`app.search.opensearch`), and the service that resolvers, workers and the CLI call
(`app.search.service`)."""
