"""Errors of the audit trail. They signal programming or integrity faults, never user input."""

from __future__ import annotations


class AuditError(Exception):
    """Base class for audit trail errors."""


class AppendOnlyViolation(AuditError):
    """Something tried to change or remove a written audit row."""


class HistoryBypassRefused(AuditError):
    """A bulk queryset write would change rows without writing their history."""


class UnsafeAuditData(AuditError, ValueError):
    """An event's data cannot be stored as canonical JSON (floats, unknown types)."""
