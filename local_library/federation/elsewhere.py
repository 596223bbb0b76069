"""All my loans: the patron's account at every other library they are linked to, asked for on their authority.

For each library the registry lists for the patron (besides this one), this node asks the registry for a signed
statement (``loans:read``, issued to this library, for that library) and calls that library's node with it, all
at once and under one short deadline: a library that does not answer in time is ``timed_out``, one that cannot
be reached ``not_reachable``, one that answers with an error ``failed``; the rest are shown. Nothing asked is
stored: the answers live as long as the page that shows them. Renewing a loan elsewhere is the same with
``loans:renew``: the other library decides under its own rules.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Literal

from local_library.federation.account import PeerAccount, PeerLoan
from local_library.federation.peer_client import PeerClient, PeerRefusedError, PeerUnavailableError
from local_library.registry_link.errors import registry_errors_as_domain_errors
from registry_contract.client import RegistryClient, RegistryError, RegistryUnavailableError
from registry_contract.statements import AuthenticatedBy, StatementRequest, StatementScope

AnswerStatus = Literal["answered", "not_reachable", "timed_out", "failed"]
ELSEWHERE_PURPOSE = "the patron's loans at the libraries they are linked to"


@dataclass(frozen=True)
class AccountElsewhere:
    library_id: str
    status: AnswerStatus
    account: PeerAccount | None = None


@dataclass(frozen=True)
class Elsewhere:
    libraries: list[AccountElsewhere]
    registry_reachable: bool
    """False: the registry could not say which libraries the patron has, so none could be asked."""


@dataclass(frozen=True)
class PatronAuthority:
    """Who asks, for whom, and how the patron proved being there."""

    library_id: str
    registry_patron_id: uuid.UUID
    authenticated_by: AuthenticatedBy


async def _statement(registry: RegistryClient, authority: PatronAuthority, audience: str, scope: StatementScope) -> str:
    request = StatementRequest(
        patron_id=authority.registry_patron_id, audience=audience, scopes=[scope],
        authenticated_by=authority.authenticated_by,
    )  # fmt: skip
    return (await registry.issue_statement(request)).statement


async def _account_at(
    registry: RegistryClient, peers: PeerClient, authority: PatronAuthority, library_id: str, deadline: float
) -> AccountElsewhere:
    try:
        async with asyncio.timeout(deadline):
            statement = await _statement(registry, authority, library_id, "loans:read")
            account = await peers.call_for_patron(
                library_id, "GET", "/peer/v1/patron/account", statement, PeerAccount, timeout_seconds=deadline
            )
    except TimeoutError:
        return AccountElsewhere(library_id, "timed_out")
    except PeerUnavailableError as error:
        return AccountElsewhere(library_id, error.reason)
    except RegistryUnavailableError:
        return AccountElsewhere(library_id, "not_reachable")
    except (PeerRefusedError, RegistryError):
        return AccountElsewhere(library_id, "failed")
    return AccountElsewhere(library_id, "answered", account)


async def accounts_elsewhere(
    registry: RegistryClient, peers: PeerClient, authority: PatronAuthority, *, deadline_seconds: float
) -> Elsewhere:
    """The patron's account at each other library they are linked to, each with its status, within the deadline."""
    try:
        async with asyncio.timeout(deadline_seconds):
            record = await registry.get_patron(authority.registry_patron_id, purpose=ELSEWHERE_PURPOSE)
    except (TimeoutError, RegistryUnavailableError, RegistryError):
        return Elsewhere(libraries=[], registry_reachable=False)
    others = sorted(library for library in record.libraries if library != authority.library_id)
    answers = await asyncio.gather(
        *(_account_at(registry, peers, authority, library, deadline_seconds) for library in others)
    )
    return Elsewhere(libraries=list(answers), registry_reachable=True)


async def renew_elsewhere(
    registry: RegistryClient, peers: PeerClient, authority: PatronAuthority, library_id: str, loan_id: int,
    *, deadline_seconds: float,
) -> PeerLoan:  # fmt: skip
    """Ask ``library_id`` to renew one of the patron's loans there; its refusal (``PeerRefusedError``) says why."""
    with registry_errors_as_domain_errors():
        statement = await _statement(registry, authority, library_id, "loans:renew")
    return await peers.call_for_patron(
        library_id, "POST", f"/peer/v1/patron/loans/{loan_id}/renew", statement, PeerLoan,
        timeout_seconds=deadline_seconds,
    )  # fmt: skip
