"""Partners: API keys (app.partners.keys), their usage counters (app.partners.usage) and the
trusted documents keys may be restricted to (app.partners.trusted).

What other packages may call:
- keys: create_api_key, rotate_api_key, revoke_api_key, list_api_keys, authenticate,
  looks_like_key, may_read, KeyCaller, IssuedKey, SCOPES, SCOPE_READ, SCOPE_WRITE
- usage: record_usage, usage_of, Usage
- trusted: upload_trusted_documents, revoke_trusted_document, list_trusted_documents,
  manifest_document, trusted_document, document_digest, digest_of, may_read
"""
