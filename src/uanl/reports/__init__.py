"""Reports: summary reports, custom queries, BI rows, background jobs and schedules."""
