"""Tags on everything, so a console user can tell what a resource belongs to and when it stops."""
from __future__ import annotations

from components.settings import Settings


def tags(settings: Settings, role: str | None = None, student: str | None = None) -> dict[str, str]:
    values = {
        "Project": settings.project,
        "Stack": settings.stack,
        "ManagedBy": "pulumi",
        "kafka-pipeline:ttl-hours": f"{settings.ttl_hours:g}" if settings.ttl_hours else "never",
    }
    if role:
        values["Role"] = role
    if student:
        values["Student"] = student
    return values
