"""Prometheus metrics of the whole process, defined once and imported where they are counted."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "easyways_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "easyways_http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)
GRAPHQL_OPERATIONS = Histogram(
    "easyways_graphql_operation_duration_seconds",
    "GraphQL operation latency",
    ["operation_type", "operation_name"],
)
GRAPHQL_PLANNED = Counter(
    "easyways_graphql_planned_reads_total",
    "Queries the planned read path looked at: answered (planned) or left to the executor",
    ["outcome"],
)
GRAPHQL_ERRORS = Counter("easyways_graphql_errors_total", "GraphQL errors", ["code"])
DB_STATEMENT_SECONDS = Histogram(
    "easyways_db_statement_duration_seconds", "Time spent in SQL statements"
)
QUEUE_DEPTH = Gauge("easyways_queue_depth", "Messages waiting in a job queue", ["queue"])
OUTBOX_PENDING = Gauge("easyways_outbox_pending", "Outbox events not yet handed on")
EMAILS = Counter("easyways_emails_total", "E-mail send outcomes", ["template", "status"])
WEBHOOKS = Counter("easyways_webhooks_total", "Webhook outcomes", ["provider", "outcome"])
CACHE_REQUESTS = Counter(
    "easyways_cache_requests_total",
    "Public catalog response cache lookups (hit, miss, error = Redis unavailable)",
    ["result"],
)
