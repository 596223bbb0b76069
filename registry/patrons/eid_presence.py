"""An eID sign-in as a patron's proof of presence: the registry's trust in the national eID provider.

Decision (issue 14): a library node that signed a person in with ID-porten forwards the provider's signed id
token; the registry does not take the node's word for who signed in, but verifies the token itself against
the provider's published keys (``registry_contract.eid``): the configured issuer, the calling library's own
client id as audience (a token a library received cannot be used by another), not expired (ID-porten's id
tokens live two minutes), level at least "substantial". The token's ``pid`` must then be the national ID of
the patron the library asks to link. This is a stronger proof than card and PIN (a verified identity, not a
shared secret), so the registry accepts it wherever it accepts card and PIN.

A token can be sent again by the same library within its short lifetime; that library already holds it, so
a replay proves nothing new and grants nothing the first use did not.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from plumbing.errors import DomainError, ErrorKind
from registry.crypto.envelope import blind_index
from registry.patrons import store
from registry.patrons.core import Caller, RegistryCore
from registry_contract.eid import EidProvider
from registry_contract.models import EidSignInProof
from registry_contract.national_id import NationalIdError, parse_national_id


@dataclass(frozen=True)
class EidTrust:
    """The eID provider the registry trusts, and each library's client id there (the tokens' audience)."""

    provider: EidProvider
    client_ids: Mapping[str, str] = field(default_factory=dict)


def patron_presence_required(detail: str = "the patron must be present: send their card number and PIN") -> DomainError:
    return DomainError(ErrorKind.FORBIDDEN, "patron_presence_required", detail)


def eid_trust(issuer: str | None, client_ids: Mapping[str, str], ca_file: Path | None) -> EidTrust | None:
    """The registry's trust in an eID provider from its settings; None when no issuer is configured."""
    return None if not issuer else EidTrust(EidProvider(issuer, ca_file=ca_file), dict(client_ids))


async def confirm_eid_presence(core: RegistryCore, caller: Caller, patron_id: uuid.UUID, proof: EidSignInProof) -> None:
    """Verify the id token and that it names this patron; raise ``patron_presence_required`` (or the
    token's own refusal: ``eid_token_invalid``, ``eid_level_too_low``, ``eid_unavailable``) otherwise."""
    assert caller.library_id is not None
    trust = core.eid
    audience = None if trust is None else trust.client_ids.get(caller.library_id)
    if trust is None or audience is None:
        raise patron_presence_required("this registry accepts no eID sign-ins from this library")
    person = await trust.provider.verify(proof.id_token, audience=audience, nonce=None)
    try:
        national_id = parse_national_id(person.pid, allow_synthetic=core.allow_synthetic_national_ids)
    except NationalIdError:
        raise patron_presence_required("the eID sign-in names no national ID this registry accepts") from None
    async with core.pool.acquire() as connection:
        row = await store.fetch_patron_row(
            connection, where=store.BY_NATIONAL_ID_INDEX, argument=blind_index(core.keyring, national_id.digits)
        )
    if row is None or row["patron_id"] != patron_id:
        raise patron_presence_required("the eID sign-in belongs to another person")
