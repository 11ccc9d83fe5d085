"""One settings object, read once from the environment (and `.env`)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.accounts.oidc_config import OidcProviderConfig, provider_errors
from app.accounts.oidc_config import unsafe_reasons as oidc_unsafe_reasons

DEFAULT_SECRET = "dev-insecure-secret-change-me"  # noqa: S105 - the refused default
GraphiqlMode = Literal["on", "admins", "off"]
_GRAPHIQL_WORDS = {"true": "on", "1": "on", "yes": "on", "false": "off", "0": "off", "no": "off"}


class UnsafeSettingsError(RuntimeError):
    """Raised at start-up when production runs with an unsafe setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = Field(
        default="development", alias="EASYWAYS_ENV"
    )
    debug: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".data")

    # Empty URLs mean "start the embedded server under data_dir".
    database_url: str = ""
    redis_url: str = ""
    # Connections kept open per API process: enough for a busy process's concurrent statements.
    # Overflow connections are closed when they come back, so a pool smaller than the usual
    # concurrency reconnects all the time (measured: the signed-in course page at 32 concurrent
    # requests ran at 381 req/s with 10 + 10, 742 with 20 + 10; docs/benchmarks.md).
    db_pool_size: int = 20
    db_max_overflow: int = 10

    secret_key: str = DEFAULT_SECRET
    frontend_url: str = "http://localhost:3000"
    public_api_url: str = "http://127.0.0.1:8000"

    # JWT: PEM private keys as a JSON object {kid: pem}; the first signs, all verify.
    jwt_private_keys: str = ""
    jwt_algorithm: Literal["ES256", "RS256"] = "ES256"
    jwt_issuer: str = "easyways"
    jwt_audience: str = "easyways-api"
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    refresh_token_absolute_ttl_seconds: int = 90 * 24 * 3600
    refresh_cookie_name: str = "ews_refresh"
    refresh_cookie_secure: bool = True
    csrf_cookie_name: str = "ews_csrf"

    verification_token_ttl_seconds: int = 48 * 3600
    reset_token_ttl_seconds: int = 3600
    email_change_token_ttl_seconds: int = 24 * 3600
    mfa_required_for_admins: bool = False

    # Failed logins per window: per (account, client IP) and per client IP, hard limits; per
    # account, a ceiling past which only a known device (or a solved e-mail link) may sign in.
    login_max_attempts_per_account_ip: int = 5
    login_max_attempts_per_ip: int = 30
    login_max_attempts_per_account: int = 10
    login_window_seconds: int = 900
    # Accounts throttles (attempts per window). register: per client IP, every attempt counts.
    register_max_per_ip: int = 10
    register_window_seconds: int = 3600
    # Password-reset and resend-verification e-mails, per address and per client IP.
    email_requests_max_per_email: int = 3
    email_requests_max_per_ip: int = 20
    email_requests_window_seconds: int = 3600
    # verifyEmail / resetPassword token guesses per client IP.
    token_attempts_max_per_ip: int = 30
    token_attempts_window_seconds: int = 900
    # Issuer shown by authenticator apps for TOTP.
    totp_issuer: str = "EasywaysSkills"

    mail_backend: Literal["files", "smtp"] = "files"
    mail_from: str = "EasywaysSkills <no-reply@easyways.local>"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    # Implicit TLS from the first byte (usually port 465) instead of STARTTLS.
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = 30.0

    # Outbox relay: dispatched rows are purged after this many days.
    outbox_retention_days: int = 7
    # Key prefix of the Dramatiq queues in Redis (lets deployments share one Redis).
    queue_namespace: str = "easyways"
    # `easyways worker` serves its Prometheus metrics on this port (0 = off).
    worker_metrics_port: int = 0
    # A worker silent for this long is presumed dead: the jobs it had taken go back to their
    # queue, and readiness stops counting it (workers heartbeat every third of it).
    worker_heartbeat_timeout_seconds: int = Field(default=10, ge=3, le=600)
    # /readyz also fails (`worker: down`) while no worker heartbeat is fresh; `easyways serve`
    # turns it on when it runs its own worker.
    ready_requires_worker: bool = False
    # The cyclic garbage collector of the API and worker processes (app/collector.py). Once
    # started, the process collects once and freezes what start-up built (schema, modules,
    # caches: never garbage) so collections no longer walk it. A young collection runs after
    # GC_GEN0_THRESHOLD new container objects (CPython: 700), so at most that many wait as
    # cyclic garbage (some MB); each older generation is collected after that many collections
    # of the one below (10 and 10: a full one per ~5M allocations, and CPython runs it only
    # when it would walk 25 % more than the long-lived objects).
    gc_freeze_after_startup: bool = True
    gc_gen0_threshold: int = Field(default=50_000, ge=100, le=1_000_000)
    gc_gen1_threshold: int = Field(default=10, ge=1, le=1000)
    gc_gen2_threshold: int = Field(default=10, ge=1, le=1000)

    log_level: str = "INFO"
    # One JSON object per line; unset: JSON in production, readable console lines elsewhere.
    log_json: bool | None = None
    # The API explorer (GraphiQL, /graphql opened in a browser, assets shipped with the app): "on"
    # (anyone may use it), "admins" (the page lets administrators in; production's default), "off"
    # (404). Unset: "on" outside production. true/false are read as on/off.
    graphiql: GraphiqlMode | None = None
    # GraphQL protections (per operation). Depth 10, not graphql-armor's 6: a relay connection
    # adds two levels (edges > node) to every list.
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 15
    graphql_max_tokens: int = 1000
    graphql_max_directives: int = 50
    # Cost: each field 1; fields with first/last multiply their children by the page size
    # (default 20, at most 100), `ids` arguments by the number of ids.
    graphql_max_cost: int = 5000
    # Planned reads: queries whose every field a planner covers (the catalog's course lists and
    # course pages) are answered by one SQL statement writing the JSON; off = always the executor.
    graphql_planned_reads: bool = True
    # Largest /graphql request body, GET query string and WebSocket message, in bytes (413).
    max_request_bytes: int = 1_048_576
    # Automatic persisted queries: how long a registered document is kept after its last use.
    persisted_query_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # Rate-limit budgets in cost points per minute: per client IP (anonymous) and per user.
    rate_limit_anonymous_per_minute: int = 20_000
    rate_limit_user_per_minute: int = 60_000
    # Partner API keys: the default cost budget per minute of a new key (each key has its own
    # bucket), and how many live (not revoked, not expired) keys one user may hold.
    api_key_rate_limit_per_minute: int = Field(default=6_000, ge=1)
    api_keys_per_user: int = Field(default=20, ge=1, le=1000)
    # Live subscriptions (WebSocket): at most this many open at once on one connection, and for
    # one user across every server process (RATE_LIMITED beyond).
    live_subscriptions_per_connection: int = Field(default=20, ge=1, le=1000)
    live_subscriptions_per_user: int = Field(default=100, ge=1, le=100_000)
    # Web Push (VAPID, RFC 8292): the application server's key pair, base64url (raw P-256
    # private key / uncompressed public key) and the contact sent to push services. Empty: a key
    # pair is generated under DATA_DIR on first use (development only; production refuses).
    vapid_private_key: str = ""
    vapid_public_key: str = ""
    vapid_subject: str = "mailto:support@easyways.example"
    cors_origins: str = ""
    # Comma-separated addresses or networks of the reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; empty: the peer address is the client, headers ignored.
    trusted_proxies: str = ""
    # Bearer token that GET /metrics requires; empty: /metrics is open outside production and
    # absent (404) in production.
    metrics_token: str = ""
    run_worker_in_process: bool = True
    # Search backend: the built-in PostgreSQL full-text search, or OpenSearch (OPENSEARCH_* below).
    search_backend: Literal["postgres", "opensearch"] = "postgres"
    # Anonymous public catalog reads (courses, course, categories, search) are cached in Redis
    # for this many seconds (30-120; 0 turns the response cache off).
    catalog_cache_ttl_seconds: int = 60
    # A hit on an entry this process holds a copy of is answered without asking Redis, while the
    # catalog version pushed to the process (pub/sub) says the copy is current; false: every hit
    # reads the version and the entry in Redis.
    catalog_cache_local_hits: bool = True
    # Object storage (uploads, certificates, exports): files under DATA_DIR/storage served by the
    # API with HMAC-signed URLs (local), or an S3-compatible bucket with presigned URLs (s3).
    storage_backend: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_endpoint_url: str = ""  # empty = AWS; e.g. http://minio:9000 for MinIO
    s3_public_endpoint_url: str = ""  # host browsers reach, when it differs (presigned URLs)
    s3_access_key_id: str = ""  # empty = boto3's default credential chain
    s3_secret_access_key: str = ""
    # Public files (avatars, course images; keys under public/) are read at stable, unsigned URLs:
    # <S3_PUBLIC_BASE_URL>/<key> when set (e.g. a CloudFront domain), else the bucket's own URL.
    # The bucket (or the CDN in front of it) must allow anonymous reads of `public/*`.
    s3_public_base_url: str = ""
    # Signed upload URLs live one hour; download URLs 15 minutes unless a caller asks otherwise.
    upload_url_ttl_seconds: int = 3600
    download_url_ttl_seconds: int = 900
    # Optional virus scan at finalize: "module:function", an async (storage, key) -> bool (clean).
    upload_scan_hook: str = ""
    # Payments: "local" is an embedded stand-in that behaves like Stripe test mode (development
    # and tests; confirmTestPayment works only with it); "stripe" calls the Stripe API.
    payments_backend: Literal["local", "stripe"] = "local"
    stripe_secret_key: str = ""  # sk_live_… / sk_test_… (required with the stripe backend)
    # Signing secret of the webhook endpoint (whsec_…); empty = derived from SECRET_KEY (dev only).
    stripe_webhook_secret: str = ""
    stripe_api_base: str = ""  # empty = https://api.stripe.com; a stand-in URL in tests
    # Webhook signatures older than this many seconds are refused (replay protection).
    webhook_tolerance_seconds: int = 300
    # Sales tax on carts and orders in basis points (1000 = 10%), applied after the discount and
    # rounded half-up once per order; 0 = no tax.
    tax_rate_bps: int = Field(default=0, ge=0, le=10_000)
    # Refund policy: a full refund within REFUND_WINDOW_DAYS of payment while less than
    # REFUND_FULL_MAX_CONSUMED_PERCENT of the course's lessons are completed, else pro-rated by
    # the lessons completed; nothing after the window (admins may refund any amount up to paid).
    refund_window_days: int = Field(default=14, ge=0, le=3650)
    refund_full_max_consumed_percent: int = Field(default=20, ge=0, le=100)
    # The seeded all-access subscription plan: its price (minor units, currency) and the payment
    # provider's price id (Stripe `price_…`; any stable id for the local backend).
    subscription_plan_price_minor: int = Field(default=1999, ge=0)
    subscription_plan_currency: str = "USD"
    subscription_plan_provider_price_id: str = "price_all_access_monthly"
    # A live subscription whose period ended this many hours ago with no word from the provider
    # (a missed renewal or deletion event) is ended by expire_lapsed_subscriptions.
    subscription_lapse_grace_hours: int = Field(default=72, ge=0, le=720)
    # An unpaid order holds its courses this long: meanwhile another order for one of them is
    # ORDER_PENDING (a payment for a course the buyer owns by the time it arrives is refunded).
    order_pending_minutes: int = Field(default=30, ge=1, le=10_080)
    # Outbound webhooks: a delivery is tried up to WEBHOOK_MAX_ATTEMPTS times, waiting
    # WEBHOOK_RETRY_BASE_SECONDS * 2^(attempt-1) (at most WEBHOOK_RETRY_MAX_SECONDS) between tries;
    # after WEBHOOK_FAILURE_THRESHOLD failed attempts in a row a webhook is PAUSED until resumed.
    webhook_max_attempts: int = Field(default=6, ge=1, le=20)
    webhook_retry_base_seconds: float = Field(default=30.0, ge=0)
    webhook_retry_max_seconds: float = Field(default=6 * 3600.0, ge=0)
    webhook_failure_threshold: int = Field(default=10, ge=1, le=1000)
    # Outside production only: webhook URLs may be http:// on a loopback address (127.0.0.1, ::1)
    # for local receivers; production always requires https to a public address.
    webhook_allow_loopback_http: bool = False
    # --- video processing and playback (issue 13) ---
    # ffmpeg's limit per run (one rendition, a still); past it the job fails with the reason.
    video_transcode_timeout_seconds: float = Field(default=1800.0, gt=0)
    # A RUNNING job not finished within its lease was abandoned (its worker died); the next
    # delivery takes it over. Keep it above the longest transcoding you expect.
    video_job_lease_seconds: int = Field(default=3600, ge=10)
    video_job_max_attempts: int = Field(default=5, ge=1, le=50)
    video_thumbnail_count: int = Field(default=3, ge=1, le=20)
    # Stream URLs (and caption links) live the video's duration plus this margin (SPEC §3.5).
    video_stream_url_margin_seconds: int = Field(default=1800, ge=60, le=86_400)
    # With the s3 backend, HLS segments are CloudFront signed URLs when all three are set (the
    # distribution's domain, e.g. d111.cloudfront.net; its public key id; the PEM private key),
    # else S3 presigned URLs.
    cloudfront_domain: str = ""
    cloudfront_key_pair_id: str = ""
    cloudfront_private_key: str = ""
    # --- analytics rollups, dashboards and reports (issue 14) ---
    # How long an instructor/admin dashboard stays cached in Redis (0: never cached); a rollup
    # that recomputes a day invalidates every cached dashboard at once.
    analytics_cache_ttl_seconds: int = Field(default=300, ge=0, le=86_400)
    # The longest date range a dashboard or report takes, in days.
    analytics_max_range_days: int = Field(default=366, ge=1, le=3660)
    # Reports over at most this many days are built in the request; longer ones by a worker.
    analytics_report_inline_days: int = Field(default=31, ge=0, le=3660)
    # How long a report's signed download URL works.
    analytics_report_url_ttl_seconds: int = Field(default=900, ge=60, le=7 * 86_400)
    # How often the worker rolls up yesterday and today.
    analytics_rollup_interval_seconds: int = Field(default=900, ge=60, le=86_400)
    # --- OpenSearch search backend (issue 14; SEARCH_BACKEND=opensearch) ---
    # Node URL(s), comma-separated (https://search.internal:9200); required with that backend.
    opensearch_url: str = ""
    # Indices are `<prefix>-courses-<timestamp>` behind the alias `<prefix>-courses`.
    opensearch_index_prefix: str = Field(default="easyways", pattern=r"^[a-z0-9][a-z0-9_-]{0,60}$")
    opensearch_username: str = ""
    opensearch_password: str = ""
    opensearch_verify_certs: bool = True
    opensearch_ca_certs: str = ""  # path to a PEM bundle of the CAs to trust
    opensearch_timeout_seconds: float = Field(default=10.0, gt=0, le=300)

    @model_validator(mode="after")
    def _check_opensearch(self) -> Settings:
        if self.search_backend == "opensearch" and not self.opensearch_url.strip():
            raise ValueError(
                "SEARCH_BACKEND=opensearch needs OPENSEARCH_URL (the OpenSearch node's address, "
                "e.g. https://search.internal:9200); or set SEARCH_BACKEND=postgres"
            )
        return self

    def opensearch_unsafe_reasons(self) -> list[str]:
        """Production refuses OpenSearch without certificate checks or with half a login (a
        plain http:// node is allowed on a private network, like REDIS_URL)."""
        if self.search_backend != "opensearch":
            return []
        reasons = []
        if not self.opensearch_verify_certs:
            reasons.append(
                "OPENSEARCH_VERIFY_CERTS: must be true in production (or OPENSEARCH_CA_CERTS)"
            )
        if bool(self.opensearch_username) != bool(self.opensearch_password):
            reasons.append("OPENSEARCH_USERNAME, OPENSEARCH_PASSWORD: set both or neither")
        return reasons

    # --- GDPR: data exports and account erasure (app.accounts.data_export / erasure) ---
    # how long a data export's download link (and the stored zip) stays valid
    data_export_ttl_seconds: int = Field(default=7 * 86_400, ge=300, le=30 * 86_400)
    # after a confirmed deletion request, how long before the account is erased (cancellable)
    account_deletion_cool_off_seconds: int = Field(default=14 * 86_400, ge=0, le=90 * 86_400)
    # how long the e-mailed link that confirms a deletion request stays valid
    account_deletion_token_ttl_seconds: int = Field(default=86_400, ge=300, le=7 * 86_400)
    # --- sign-in with OpenID Connect (issue 14, app/accounts/oidc.py) ---
    # A JSON list of providers (app/accounts/oidc_config.py): name, kind ("oidc" | "github"),
    # client_id, client_secret, scopes, issuer or discovery_url; github: authorize_url,
    # token_url, api_url. Empty: no social sign-in.
    oidc_providers: list[OidcProviderConfig] = Field(default_factory=list)
    # Comma-separated redirect URIs (the frontend's callback pages) a sign-in may return to.
    oidc_redirect_uris: str = ""
    # How long a started sign-in (state, nonce, PKCE verifier) waits for its callback.
    oidc_state_ttl_seconds: int = Field(default=600, ge=30, le=3600)
    # How long the answer to "link to your existing account" or "enter your code" stays usable.
    oidc_pending_ttl_seconds: int = Field(default=600, ge=30, le=3600)
    oidc_pending_max_attempts: int = Field(default=5, ge=1, le=20)
    oidc_http_timeout_seconds: float = Field(default=10.0, gt=0, le=60)

    @field_validator("oidc_providers")
    @classmethod
    def _check_oidc_providers(cls, value: list[OidcProviderConfig]) -> list[OidcProviderConfig]:
        if errors := provider_errors(value):
            raise ValueError("; ".join(errors))
        return value

    @property
    def oidc_redirect_uri_list(self) -> list[str]:
        return [u.strip() for u in self.oidc_redirect_uris.split(",") if u.strip()]

    # --- learning events and xAPI export (issue 14) ---
    # Recorded events wait in a per-process buffer and are written in batches: every
    # ANALYTICS_EVENTS_FLUSH_SECONDS, or as soon as ANALYTICS_EVENTS_BATCH_SIZE are waiting. While
    # PostgreSQL is unreachable at most ANALYTICS_EVENTS_BUFFER_MAX stay buffered; more are dropped
    # and counted (easyways_analytics_events_dropped_total).
    analytics_events_flush_seconds: float = Field(default=1.0, gt=0, le=60)
    analytics_events_batch_size: int = Field(default=500, ge=1, le=10_000)
    analytics_events_buffer_max: int = Field(default=50_000, ge=100, le=10_000_000)
    # Base of the xAPI activity ids and the actors' account homePage; empty = FRONTEND_URL. Keep
    # it stable: an LRS identifies activities and learners by these IRIs.
    xapi_base_url: str = ""
    # How long the signed download URL of a finished learning-event export lives.
    analytics_export_url_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 86_400)

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: str) -> str:
        for entry in (e.strip() for e in value.split(",")):
            if entry:
                ipaddress.ip_network(entry, strict=False)  # ValueError names a bad entry
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [e.strip() for e in self.trusted_proxies.split(",") if e.strip()]

    @field_validator("catalog_cache_ttl_seconds")
    @classmethod
    def _check_catalog_cache_ttl(cls, value: int) -> int:
        if value != 0 and not 30 <= value <= 120:
            raise ValueError("must be between 30 and 120 seconds, or 0 to disable the cache")
        return value

    @field_validator("graphiql", mode="before")
    @classmethod
    def _read_graphiql(cls, value: object) -> object:
        return graphiql_word(value)

    @property
    def graphiql_mode(self) -> GraphiqlMode:
        """GRAPHIQL, or its default for the environment."""
        value = graphiql_word(self.graphiql)  # model_copy(update=…) skips the validator
        if value in ("on", "admins", "off"):
            return value
        return "admins" if self.is_production else "on"

    @property
    def json_logs(self) -> bool:
        return self.log_json if self.log_json is not None else self.is_production

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def embedded_database(self) -> bool:
        return not self.database_url

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    def unsafe_reasons(self) -> list[str]:
        """Names every setting that production refuses, with why."""
        reasons: list[str] = []
        if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
            reasons.append("SECRET_KEY: set a random secret of at least 32 characters")
        if not self.jwt_private_keys:
            reasons.append("JWT_PRIVATE_KEYS: provide the signing keys (JSON {kid: PEM})")
        if self.debug:
            reasons.append("DEBUG: must be false in production")
        if self.embedded_database:
            reasons.append("DATABASE_URL: the embedded PostgreSQL is for development only")
        if self.embedded_redis:
            reasons.append("REDIS_URL: the embedded Valkey is for development only")
        if not self.refresh_cookie_secure:
            reasons.append("REFRESH_COOKIE_SECURE: must be true in production")
        if self.mail_backend == "files":
            reasons.append("MAIL_BACKEND: 'files' is for development; use smtp")
        if self.payments_backend == "stripe" and not self.stripe_secret_key:
            reasons.append("STRIPE_SECRET_KEY: required with PAYMENTS_BACKEND=stripe")
        if self.payments_backend == "stripe" and not self.stripe_webhook_secret:
            reasons.append("STRIPE_WEBHOOK_SECRET: required with PAYMENTS_BACKEND=stripe")
        if not self.vapid_private_key.strip() or not self.vapid_public_key.strip():
            reasons.append("VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY: the Web Push key pair is required")
        reasons.extend(self.opensearch_unsafe_reasons())
        reasons += oidc_unsafe_reasons(self.oidc_providers, self.oidc_redirect_uri_list)
        return reasons

    def check_production(self) -> None:
        if self.is_production and (reasons := self.unsafe_reasons()):
            raise UnsafeSettingsError(
                "refusing to start with unsafe production settings:\n  - " + "\n  - ".join(reasons)
            )


def graphiql_word(value: object) -> object:
    """GRAPHIQL as a mode: booleans and their usual spellings become on/off; blank is unset."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        word = value.strip().lower()
        return _GRAPHIQL_WORDS.get(word, word) if word else None
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
