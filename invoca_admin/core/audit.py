"""The audit log: one call per write the dashboard makes."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from invoca_admin.invoca import InvocaError, InvocaServerError

from .models import AuditEntry


def audit_record(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target_type: str,
    target_id: object,
    target_scope: str = "",
    target_label: str = "",
    error: InvocaError | None = None,
    detail: str = "",
) -> AuditEntry:
    """Record who did what to which object, and whether Invoca agreed."""
    if user is not None and not user.is_authenticated:
        user = None
    handle = error.error_handle if isinstance(error, InvocaServerError) else None
    return AuditEntry.objects.create(
        user=user,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_scope=target_scope,
        target_label=target_label[:255],
        outcome=AuditEntry.Outcome.FAILED if error else AuditEntry.Outcome.OK,
        detail=(error.message if error else detail)[:2000],
        error_handle=handle or "",
    )
