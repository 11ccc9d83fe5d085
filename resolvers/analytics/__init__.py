"""Analytics: learning events, rollups, dashboards and reports."""
