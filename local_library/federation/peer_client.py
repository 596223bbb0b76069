"""How this node calls other library nodes: mutual TLS with its own library certificate, to the node URL the
registry's directory lists, with a deadline on every call.

Three kinds of call (see ``peer_server`` for the called side):
- ``read_library``: a read between libraries on no patron's behalf (say, a catalogue search).
- ``call_for_patron``: on the patron's authority, presenting a signed statement from the registry. Not
  retried here: the caller shows what answered within its deadline (Min side's overview).
- ``call_library``: a library-to-library state change with an idempotency key. Not retried here either: send
  it from the node's outbox, which retries with the same key until the other node answers.

Failures: ``PeerUnavailableError`` when no usable answer came (``reason``: ``not_reachable`` — refused, reset,
unknown library, no node URL, or a node that is not that library's; ``timed_out``; ``failed`` — the other node
answered 5xx), ``PeerRefusedError`` for a 4xx with the other node's problem code.

Every answer is checked to come from the library called: the node's server certificate (from the registry's
CA, like every library's) must be the one issued for that library, or a wrong URL in the directory, or a
node answering for another, would have this node act on another library's answer.
"""

from __future__ import annotations

import functools
import logging
import ssl
from typing import Any, Literal, TypeVar

import aiohttp
from cryptography import x509
from cryptography.x509.oid import NameOID
from pydantic import BaseModel, ValidationError

from local_library.federation.directory import CachedDirectory
from plumbing.errors import DomainError
from plumbing.keys.pki import library_node_common_name

ResponseT = TypeVar("ResponseT", bound=BaseModel)
UnavailableReason = Literal["not_reachable", "timed_out", "failed"]
STATEMENT_SCHEME = "Statement"
logger = logging.getLogger(__name__)


class PeerUnavailableError(Exception):
    def __init__(self, library_id: str, reason: UnavailableReason, status: int | None = None) -> None:
        super().__init__(f"library {library_id!r}: {reason}" + (f" ({status})" if status else ""))
        self.library_id = library_id
        self.reason: UnavailableReason = reason
        self.status = status


class PeerRefusedError(Exception):
    def __init__(self, library_id: str, status: int, code: str, title: str) -> None:
        super().__init__(f"library {library_id!r} refused: {status} {code}")
        self.library_id = library_id
        self.status = status
        self.code = code
        self.title = title


class PeerClient:
    def __init__(
        self, directory: CachedDirectory, ssl_context: ssl.SSLContext, *, timeout_seconds: float = 5.0
    ) -> None:
        self._directory = directory
        self._ssl_context = ssl_context
        self._timeout_seconds = timeout_seconds
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=self._ssl_context, limit=64), raise_for_status=False,
                response_class=_IdentifiedResponse,
            )  # fmt: skip
        return self._session

    async def call_for_patron(
        self, library_id: str, method: str, path: str, statement: str, response_model: type[ResponseT], *,
        body: BaseModel | None = None, timeout_seconds: float | None = None,
    ) -> ResponseT:  # fmt: skip
        """A call on the patron's authority; ``statement`` is the registry's signed statement for ``library_id``."""
        headers = {"Authorization": f"{STATEMENT_SCHEME} {statement}"}
        data = await self._send(library_id, method, path, headers=headers, body=body, timeout_seconds=timeout_seconds)
        return _parse(library_id, response_model, data)

    async def read_library(
        self, library_id: str, path: str, response_model: type[ResponseT], *, timeout_seconds: float | None = None
    ) -> ResponseT:
        """A read between libraries, on no patron's behalf (a catalogue search, say)."""
        data = await self._send(library_id, "GET", path, headers={}, body=None, timeout_seconds=timeout_seconds)
        return _parse(library_id, response_model, data)

    async def call_library(
        self, library_id: str, method: str, path: str, response_model: type[ResponseT], *, idempotency_key: str,
        body: BaseModel | None = None, timeout_seconds: float | None = None,
    ) -> ResponseT:  # fmt: skip
        """A state change at another library; a repeat with the same key is answered with the first outcome."""
        headers = {"Idempotency-Key": idempotency_key}
        data = await self._send(library_id, method, path, headers=headers, body=body, timeout_seconds=timeout_seconds)
        return _parse(library_id, response_model, data)

    async def _send(
        self, library_id: str, method: str, path: str, *, headers: dict[str, str], body: BaseModel | None,
        timeout_seconds: float | None,
    ) -> Any:  # fmt: skip
        try:
            entry = await self._directory.entry(library_id)
        except DomainError:
            raise PeerUnavailableError(library_id, "not_reachable") from None
        if entry is None or not entry.active or entry.profile is None:
            raise PeerUnavailableError(library_id, "not_reachable")
        url = entry.profile.node_url.rstrip("/") + path
        payload = body.model_dump(mode="json") if body is not None else None
        timeout = aiohttp.ClientTimeout(total=timeout_seconds or self._timeout_seconds)
        try:
            async with self._http().request(method, url, json=payload, headers=headers, timeout=timeout) as response:
                answered_by = response.server_common_name if isinstance(response, _IdentifiedResponse) else None
                if answered_by != library_node_common_name(library_id):
                    logger.warning("the node at %s is not %s's node; its answer is ignored", url, library_id)
                    raise PeerUnavailableError(library_id, "not_reachable")
                if response.status >= 500:
                    raise PeerUnavailableError(library_id, "failed", response.status)
                data = await response.json(content_type=None) if response.content_length != 0 else None
        except TimeoutError:
            raise PeerUnavailableError(library_id, "timed_out") from None
        except (aiohttp.ClientError, ValueError):
            raise PeerUnavailableError(library_id, "not_reachable") from None
        if response.status >= 400:
            problem = data if isinstance(data, dict) else {}
            raise PeerRefusedError(
                library_id, response.status, str(problem.get("code", f"http_{response.status}")),
                str(problem.get("title", "")),
            )  # fmt: skip
        return data


class _IdentifiedResponse(aiohttp.ClientResponse):
    """A response that knows whose certificate the answering node presented (read when the answer starts: the
    connection may be handed back to the pool before the caller looks)."""

    server_common_name: str | None = None

    async def start(self, connection: aiohttp.connector.Connection) -> aiohttp.ClientResponse:
        transport = connection.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
        certificate = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        self.server_common_name = _common_name(certificate) if certificate else None
        return await super().start(connection)


@functools.lru_cache(maxsize=256)
def _common_name(certificate_der: bytes) -> str | None:
    # Parsed once per certificate: a keep-alive connection presents the same one on every call.
    names = x509.load_der_x509_certificate(certificate_der).subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


def _parse(library_id: str, response_model: type[ResponseT], data: Any) -> ResponseT:
    try:
        return response_model.model_validate(data)
    except ValidationError:
        raise PeerUnavailableError(library_id, "failed") from None
