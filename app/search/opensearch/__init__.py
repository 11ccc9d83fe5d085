"""The OpenSearch search backend (`SEARCH_BACKEND=opensearch`): the index's mapping, the query
DSL, the translation of responses, the documents read from the catalog, and the reindex by alias
swap. Same interface and results contract as app/search/postgres.py."""
