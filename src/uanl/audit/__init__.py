"""Audit trail of every write (append-only `audit_log`) and in-process security counters."""
