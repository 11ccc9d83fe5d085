"""Rollups, dashboards and reports (Properties 56-60)."""
