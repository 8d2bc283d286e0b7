"""A finished report e-mailed to a schedule's recipients (file attached, signed link)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from uanl.models import Language, Report
from uanl.notifications.creation import create_message, make_dedupe_key
from uanl.reports.jobs import DELIVERY_KEY, attachment_for, signed_download_url


def recipients(report: Report) -> list[str]:
    """The addresses a schedule asked this report to be e-mailed to."""
    delivery = (report.parameters or {}).get(DELIVERY_KEY) or {}
    return list(delivery.get("email_to") or [])


def email_report(db: Session, report: Report, address: str) -> None:
    """E-mail a schedule recipient the file (attached when small enough) and a signed link.

    The notification row holds only the file's storage key: the sender reads the file when
    it delivers, so retries attach it again and the row stays small."""
    context = {
        "recipient_name": None,  # a schedule's recipients are bare addresses
        "report_id": report.id,
        "report_type": report.report_type,
        "report_format": report.format.value,
        "row_count": report.row_count,
        "expires_at": report.expires_at.isoformat() if report.expires_at else None,
        "report_url": signed_download_url(report),
        "schedule_id": report.schedule_id,
        "attachment": attachment_for(report),
    }
    key = make_dedupe_key("report.ready", "report", report.id, "email", address.lower())
    create_message(
        db,
        "report.ready",
        address,
        context,
        language=Language.es,
        dedupe_key=key,
        report_id=report.id,
    )
