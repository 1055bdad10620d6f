"""Who is calling: the contract between the gateway (or APIM) and the API routes.

The built-in gateway authenticates a request and leaves a :class:`Principal` in the ASGI scope
under :data:`SCOPE_KEY`. With the gateway off (deployed behind Azure API Management), the APIM
policy authenticates instead and forwards the caller in the trusted headers below, which
:func:`from_trusted_headers` reads. Routes never look at credentials themselves.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping

SCOPE_KEY = "labeler.principal"

#: Headers the APIM policy sets after it has authenticated the caller (gateway off only).
USER_HEADER = "x-labeler-user"
ROLES_HEADER = "x-labeler-roles"
PROJECTS_HEADER = "x-labeler-projects"
#: The APIM subscription's id (what Idempotency-Keys are scoped by); optional.
SUBSCRIPTION_HEADER = "x-labeler-subscription"


class Role(enum.StrEnum):
    """Roles in increasing power: each includes what the ones before it may do."""

    READER = "reader"
    ANNOTATOR = "annotator"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


@dataclasses.dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    Attributes:
        name: the person (or team key's name) stamped as author on what they write.
        role: the caller's role.
        projects: project names the caller may use; None means every project.
        key_id: the subscription key's id when a key authenticated the call.
    """

    name: str
    role: Role
    projects: frozenset[str] | None = None
    key_id: str | None = None

    @property
    def scope(self) -> str:
        """What the caller's Idempotency-Keys belong to: the subscription, whose id nobody else
        holds, rather than the display name, which two subscriptions (or tokens) may share."""
        return f"sub:{self.key_id}" if self.key_id else f"name:{self.name}"

    def may(self, needed: Role, project: str | None = None) -> bool:
        """True when the caller has at least ``needed`` on ``project`` (None: any project)."""
        if self.role.rank < needed.rank:
            return False
        return project is None or self.projects is None or project in self.projects


def from_trusted_headers(headers: Mapping[str, str]) -> Principal | None:
    """The caller as the APIM policy forwarded it, or None when the headers are absent."""
    name = headers.get(USER_HEADER)
    if not name:
        return None
    try:
        role = Role(headers.get(ROLES_HEADER, Role.READER.value).strip().lower())
    except ValueError:
        return None
    raw = headers.get(PROJECTS_HEADER, "").strip()
    projects = None if raw in ("", "*") else frozenset(p.strip() for p in raw.split(",") if p)
    subscription = headers.get(SUBSCRIPTION_HEADER, "").strip() or None
    return Principal(name=name, role=role, projects=projects, key_id=subscription)
