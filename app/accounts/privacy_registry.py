"""Which domains take part in a GDPR export and erasure: one line per domain.

Each domain exposes, in its own `privacy` module, `export_user_data(session, user_id)` (a dict
of area name → JSON data; each area becomes `<area>.json` in the export's zip) and
`erase_user_data(session, subject)` (deletes or anonymises what it holds about the subject; must
be safe to run twice). A new domain that stores personal data adds its pair here.
"""

from __future__ import annotations

from app import privacy
from app.accounts import privacy as accounts
from app.admin import privacy as admin
from app.analytics import privacy as analytics
from app.assessments import privacy as assessments
from app.catalog import privacy as catalog
from app.cms import privacy as cms
from app.commerce import privacy as commerce
from app.communication import privacy as communication
from app.learning import privacy as learning
from app.media import privacy as media
from app.notifications import privacy as notifications
from app.webhooks import privacy as webhooks

EXPORTERS: dict[str, privacy.Exporter] = {
    "accounts": accounts.export_user_data,
    "catalog": catalog.export_user_data,
    "learning": learning.export_user_data,
    "assessments": assessments.export_user_data,
    "communication": communication.export_user_data,
    "cms": cms.export_user_data,
    "commerce": commerce.export_user_data,
    "notifications": notifications.export_user_data,
    "media": media.export_user_data,
    "analytics": analytics.export_user_data,
    "admin": admin.export_user_data,
    "webhooks": webhooks.export_user_data,
}

# Run in this order, in one transaction; accounts last (the others read nothing from the user
# row, but it keeps the anonymisation the final word).
ERASERS: dict[str, privacy.Eraser] = {
    "catalog": catalog.erase_user_data,
    "learning": learning.erase_user_data,
    "assessments": assessments.erase_user_data,
    "communication": communication.erase_user_data,
    "cms": cms.erase_user_data,
    "commerce": commerce.erase_user_data,
    "notifications": notifications.erase_user_data,
    "media": media.erase_user_data,
    "analytics": analytics.erase_user_data,
    "admin": admin.erase_user_data,
    "webhooks": webhooks.erase_user_data,
    "accounts": accounts.erase_user_data,
}
