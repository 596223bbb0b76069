"""The typed client library nodes use to call the registry's node API.

Mutual TLS with the library's certificate plus its credential, a timeout on every call, and retries with
exponential backoff for calls that are safe to repeat (reads, and writes that carry an idempotency key).

Which failures are worth another try: no answer (connection refused or lost, timeout) and any 5xx. Those
end in ``RegistryUnavailableError`` ("try again later": an outbox keeps the write pending). A 4xx refusal is
a ``RegistryError`` with the registry's code (a 429 too: its code says what is throttled, and for how long).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import ssl
import uuid
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, ValidationError

from plumbing.keys.layout import KeyLayout
from plumbing.tls import library_client_context
from registry_contract.federation import LibraryDirectoryListing
from registry_contract.lockout import Door
from registry_contract.models import (
    CardAndPinProof,
    CardAuthentication,
    ChangePage,
    ContactUpdate,
    ErasureRequestFiling,
    ErasureRequestReceipt,
    HomeLibrary,
    NationalIdLookup,
    OptOutReceipt,
    PatronLookupResult,
    PatronPresence,
    PatronPreview,
    PatronRecord,
    PinChange,
    RegisterPatron,
    WhoAmI,
)
from registry_contract.statements import IssuedStatement, PublishedKeys, StatementRequest

logger = logging.getLogger(__name__)

ResponseT = TypeVar("ResponseT", bound=BaseModel)
UNEXPECTED_RESPONSE = "unexpected_response"
"""The code of a RegistryError for an answer that does not parse under the contract."""


class RegistryError(Exception):
    """The registry refused a request; ``code`` is its stable problem code."""

    def __init__(self, status: int, code: str, title: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"registry answered {status} {code}: {title}")
        self.status = status
        self.code = code
        self.title = title
        self.body = body or {}


class RegistryUnavailableError(Exception):
    """The registry could not be reached or could not take the call now (after retries, where safe).

    ``status`` is the HTTP status of a temporary failure (5xx), None when no answer came at all.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def is_temporary(status: int) -> bool:
    """An answer worth sending the same request again for: the registry (or its database) is away or failing."""
    return status >= 500


class RegistryClient:
    def __init__(
        self,
        base_url: str,
        *,
        library_id: str,
        credential: str,
        ssl_context: ssl.SSLContext,
        timeout_seconds: float = 5.0,
        retries: int = 3,
        backoff_seconds: float = 0.2,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        token = base64.b64encode(f"{library_id}:{credential}".encode()).decode()
        self._authorization = f"Basic {token}"
        self._ssl_context = ssl_context
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._retries = retries
        self._backoff_seconds = backoff_seconds
        self._session: aiohttp.ClientSession | None = None
        self.library_id = library_id

    @classmethod
    def for_library(cls, base_url: str, layout: KeyLayout, library_id: str, **options: Any) -> RegistryClient:
        """A client using the library's key files from ``natreg keys``."""
        credential = layout.library_credential(library_id).read_text().strip()
        return cls(
            base_url,
            library_id=library_id,
            credential=credential,
            ssl_context=library_client_context(layout, library_id),
            **options,
        )

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(ssl=self._ssl_context, limit=32)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"Authorization": self._authorization},
                timeout=self._timeout,
                raise_for_status=False,
            )
        return self._session

    async def whoami(self) -> WhoAmI:
        return await self.request("GET", "/v1/whoami", WhoAmI)

    # Typed calls of the node API, one per endpoint in registry.routes.ENDPOINTS.

    async def register_patron(self, patron: RegisterPatron, *, idempotency_key: str) -> PatronRecord:
        """Register; a retry with the same key returns the patron the first attempt created."""
        return await self.request("POST", "/v1/patrons", PatronRecord, body=patron, idempotency_key=idempotency_key)

    async def lookup_by_national_id(
        self, national_id: str, *, purpose: str | None = None
    ) -> PatronRecord | PatronPreview:
        """The whole record if the patron is linked to this library, else a preview (name and birth date)."""
        found = await self.request(
            "POST", "/v1/patrons/lookup", PatronLookupResult, body=NationalIdLookup(national_id=national_id),
            headers=_purpose(purpose),
        )  # fmt: skip
        return found.root

    async def lookup_by_card(self, card_number: str, *, purpose: str | None = None) -> PatronRecord | PatronPreview:
        """The whole record if the patron is linked to this library, else a preview (name and birth date)."""
        found = await self.request(
            "GET", f"/v1/patrons/by-card/{quote(card_number, safe='')}", PatronLookupResult,
            headers=_purpose(purpose),
        )  # fmt: skip
        return found.root

    async def authenticate(self, card_number: str, pin: str, *, door: Door = "library") -> PatronRecord:
        body = CardAuthentication(card_number=card_number, pin=pin, door=door)
        return await self.request("POST", "/v1/patrons/authenticate", PatronRecord, body=body, retry=False)

    async def get_patron(self, patron_id: uuid.UUID, *, purpose: str | None = None) -> PatronRecord:
        return await self.request("GET", f"/v1/patrons/{patron_id}", PatronRecord, headers=_purpose(purpose))

    async def update_contact(self, patron_id: uuid.UUID, update: ContactUpdate, *, version: int) -> PatronRecord:
        """Change contact fields; RegistryError 412 version_mismatch if someone else changed the record first."""
        return await self.request(
            "PATCH", f"/v1/patrons/{patron_id}", PatronRecord, body=update, headers={"If-Match": f'"{version}"'},
            retry=True,
        )  # fmt: skip

    async def change_pin(self, patron_id: uuid.UUID, new_pin: str) -> PatronRecord:
        return await self.request(
            "PUT", f"/v1/patrons/{patron_id}/pin", PatronRecord, body=PinChange(new_pin=new_pin), retry=True
        )

    async def report_lost_card(
        self, patron_id: uuid.UUID, *, version: int, idempotency_key: str | None = None
    ) -> PatronRecord:
        return await self.request(
            "POST", f"/v1/patrons/{patron_id}/lost-card", PatronRecord, headers={"If-Match": f'"{version}"'},
            idempotency_key=idempotency_key, retry=True,
        )  # fmt: skip

    async def link(self, patron_id: uuid.UUID, proof: CardAndPinProof) -> PatronRecord:
        """Link this library to the patron, who proves being at the desk (a wrong PIN counts as a failed try)."""
        return await self.request(
            "PUT", f"/v1/patrons/{patron_id}/link", PatronRecord, body=PatronPresence(proof=proof), retry=True
        )

    async def unlink(self, patron_id: uuid.UUID, proof: CardAndPinProof | None = None) -> PatronRecord | None:
        """Remove this library's link; None when that was the last link and the record was erased.

        Erasing needs the patron's proof of presence; without it the last link is refused (403).
        """
        body = PatronPresence(proof=proof) if proof is not None else None
        data = await self.send("DELETE", f"/v1/patrons/{patron_id}/link", body=body, retry=True)
        return None if data is None else _parse(PatronRecord, data)

    async def set_home_library(self, patron_id: uuid.UUID, library_id: str) -> PatronRecord:
        return await self.request(
            "PUT", f"/v1/patrons/{patron_id}/home-library", PatronRecord, body=HomeLibrary(library_id=library_id),
            retry=True,
        )  # fmt: skip

    async def opt_out(self, patron_id: uuid.UUID, proof: CardAndPinProof | None) -> OptOutReceipt:
        """Erase the patron's national record; the patron proves being at the desk (None: refused, 403)."""
        return await self.request(
            "POST", f"/v1/patrons/{patron_id}/opt-out", OptOutReceipt, body=PatronPresence(proof=proof)
        )

    async def file_erasure_request(
        self, patron_id: uuid.UUID, kind: Literal["deletion", "death_notice"]
    ) -> ErasureRequestReceipt:
        return await self.request(
            "POST", f"/v1/patrons/{patron_id}/erasure-requests", ErasureRequestReceipt,
            body=ErasureRequestFiling(kind=kind), retry=True,
        )  # fmt: skip

    async def changes(self, cursor: str | None, *, limit: int = 100) -> ChangePage:
        query = f"?limit={limit}" + (f"&cursor={quote(cursor, safe='')}" if cursor else "")
        return await self.request("GET", f"/v1/changes{query}", ChangePage)

    async def library_directory(self) -> LibraryDirectoryListing:
        """Every library's identity and federation profile (nodes cache it: ``local_library.federation``)."""
        return await self.request("GET", "/v1/libraries", LibraryDirectoryListing)

    async def issue_statement(self, request: StatementRequest) -> IssuedStatement:
        """A signed statement for a patron this library authenticated (not retried: each one is audited)."""
        return await self.request("POST", "/v1/patron-statements", IssuedStatement, body=request, retry=False)

    async def statement_keys(self) -> PublishedKeys:
        return await self.request("GET", "/v1/statement-keys", PublishedKeys)

    async def request(
        self,
        method: str,
        path: str,
        response_model: type[ResponseT],
        *,
        body: BaseModel | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        retry: bool | None = None,
    ) -> ResponseT:
        """Send one call and parse the answer into ``response_model``."""
        data = await self.send(method, path, body=body, idempotency_key=idempotency_key, headers=headers, retry=retry)
        return _parse(response_model, data)

    async def send(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        retry: bool | None = None,
    ) -> Any:
        """Send one call; return the decoded JSON answer (None for an empty one) or raise RegistryError.

        Retried only when repeating it cannot do harm twice: reads, writes with an idempotency key, and
        writes the caller marks ``retry=True`` because they are idempotent by nature (PUT, If-Match).
        """
        send_headers = dict(headers or {})
        if idempotency_key is not None:
            send_headers["Idempotency-Key"] = idempotency_key
        # exclude_unset: a PATCH must send only the fields the caller set (an explicit null clears a field).
        payload = body.model_dump(mode="json", exclude_unset=True) if body is not None else None
        safe_to_repeat = retry if retry is not None else (method == "GET" or idempotency_key is not None)
        attempts = self._retries + 1 if safe_to_repeat else 1
        for attempt in range(attempts):
            try:
                async with self._http().request(
                    method, self._base_url + path, json=payload, headers=send_headers
                ) as response:
                    if is_temporary(response.status):
                        if attempt + 1 < attempts:
                            await self._pause(attempt)
                            continue
                        raise RegistryUnavailableError(
                            f"registry answered {response.status}; try again later", status=response.status
                        )
                    data = await _json_or_none(response)
                    if response.status >= 400:
                        raise _registry_error(response.status, data)
                    return data
            except (aiohttp.ClientConnectionError, TimeoutError) as error:
                if attempt + 1 >= attempts:
                    raise RegistryUnavailableError(f"registry unreachable: {type(error).__name__}") from error
                await self._pause(attempt)
        raise RegistryUnavailableError("registry kept answering with a temporary error")

    async def _pause(self, attempt: int) -> None:
        # Full jitter keeps many nodes that lost the registry at once from retrying in lockstep.
        await asyncio.sleep(random.uniform(0, self._backoff_seconds * 2**attempt))  # noqa: S311 - jitter only


async def _json_or_none(response: aiohttp.ClientResponse) -> Any:
    """The decoded body; None when empty or not JSON (a proxy's error page says nothing we could use)."""
    if response.content_length == 0:
        return None
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


def card_and_pin(card_number: str, pin: str) -> CardAndPinProof:
    """The patron's proof of presence from the card and PIN they gave (the PIN is never logged or kept)."""
    return CardAndPinProof(kind="card_and_pin", card_number=card_number, pin=pin)


def _purpose(purpose: str | None) -> dict[str, str]:
    return {"Natreg-Purpose": purpose} if purpose else {}


def _registry_error(status: int, data: Any) -> RegistryError:
    if isinstance(data, dict):
        return RegistryError(status, str(data.get("code", f"http_{status}")), str(data.get("title", "")), data)
    return RegistryError(status, f"http_{status}", "unexpected answer")


def _parse(response_model: type[ResponseT], data: Any) -> ResponseT:
    try:
        return response_model.model_validate(data)
    except ValidationError as error:
        raise RegistryError(200, UNEXPECTED_RESPONSE, "the registry's answer did not match the contract") from error
