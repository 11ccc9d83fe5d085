"""Analytics: learning events, rollups, dashboards and reports. What other domains may call:"""

from app.analytics.events import EntityType, EventType
from app.analytics.recorder import record_event

__all__ = ["EntityType", "EventType", "record_event"]
