"""Dashboards (issue 6): KPIs, charts, real-time snapshot and Server-Sent Events."""
