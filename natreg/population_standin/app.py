"""The stand-in population register and token endpoint (see the package docstring)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import html
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from registry.population.client import GRANT_LIFETIME_SECONDS, JWT_BEARER_GRANT
from registry.population.wire import (
    BULK_LOOKUP_MAX,
    FEED_PAGE_SIZE,
    BulkLookupRequest,
    ProtectionLevel,
    RegisteredAddress,
    RegisterPerson,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
API_PREFIX = "/api/v1"
TOKEN_LIFETIME_SECONDS = 120
# A grant's header carries the business certificate (x5c): far beyond joserfc's default 512-byte header limit.
MAX_GRANT_HEADER_BYTES = 8192
GRANT_CLAIMS = frozenset({"aud", "iss", "scope", "iat", "exp", "jti"})
EventKind = Literal["doedsfall", "flytting", "navneendring", "adressebeskyttelse", "endringIKjoenn", "opprettet"]


@dataclass
class StandInFault:
    """Answer the next matching request (``path`` prefix) with ``status`` (and ``retry_after``), or delay it."""

    path: str
    status: int | None = None
    retry_after: str | None = None
    delay_seconds: float = 0.0
    times: int = 1
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a request took the fault (a test can then act while the request waits)."""


@dataclass
class PopulationStandIn:
    """The register's state: people, the event list, tokens issued, and what was asked."""

    trusted_certificate_der: bytes
    client_id: str = "natreg-registry"
    scope: str = "folkeregister:deling/offentligmedhjemmel"
    clock: Callable[[], float] = time.time
    people: dict[str, RegisterPerson] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)
    used_grant_ids: set[str] = field(default_factory=set)
    faults: list[StandInFault] = field(default_factory=list)
    answer_from_the_start: bool = False
    """Answer every feed request from sequence number 1 (a register or cache that sends old pages again)."""
    calls: list[tuple[str, str, int]] = field(default_factory=list)
    """(method, path, status) of every request answered, for tests (never a query string or body)."""

    def add_person(self, person: RegisterPerson, *, kind: EventKind = "opprettet") -> int:
        """Store the person as the register now knows them and append an event; returns its sequence number."""
        self.people[person.folkeregisteridentifikator] = person
        return self.add_event(person.folkeregisteridentifikator, kind)

    def add_event(self, national_id: str, kind: EventKind) -> int:
        sequence_number = len(self.events) + 1
        self.events.append(
            {
                "sekvensnummer": sequence_number,
                "skjemaversjon": "1.0",
                "hendelse": {
                    "folkeregisteridentifikator": national_id,
                    "hendelsetype": kind,
                    "ajourholdstidspunkt": dt.datetime.now(dt.UTC).isoformat(),
                },
            }
        )
        return sequence_number

    def change(self, national_id: str, kind: EventKind, **changes: Any) -> int:
        """Change a known person (``status="doed"``, a new ``bostedsadresse``, ...) and record the event."""
        person = self.people[national_id]
        self.people[national_id] = RegisterPerson.model_validate({**person.model_dump(), **changes})
        return self.add_event(national_id, kind)

    def calls_to(self, path: str) -> list[int]:
        return [status for _method, called, status in self.calls if called.startswith(path)]


def create_standin_app(standin: PopulationStandIn) -> web.Application:
    app = web.Application(middlewares=[_faults_and_calls(standin)])
    app.router.add_post("/token", _token(standin))
    app.router.add_get(f"{API_PREFIX}/hendelser/feed", _feed(standin))
    app.router.add_post(f"{API_PREFIX}/personer/bulkoppslag", _bulk_lookup(standin))
    app.router.add_get("/", _admin_page(standin))
    app.router.add_post("/admin/events", _admin_event(standin))
    return app


def _faults_and_calls(standin: PopulationStandIn) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = next((fault for fault in standin.faults if request.path.startswith(fault.path)), None)
        if fault is not None:
            fault.times -= 1
            fault.arrived.set()
            if fault.times <= 0:
                standin.faults.remove(fault)
            if fault.delay_seconds:
                await asyncio.sleep(fault.delay_seconds)
            if fault.status is not None:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                body = {"kode": "FREG-STANDIN", "melding": "fault queued by a test"}
                standin.calls.append((request.method, request.path, fault.status))
                return web.json_response(body, status=fault.status, headers=headers)
        response = await handler(request)
        standin.calls.append((request.method, request.path, response.status))
        return response

    return middleware


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"kode": code, "melding": message}, status=status)


# The token endpoint (Maskinporten) -----------------------------------------------------------------------


def _token(standin: PopulationStandIn) -> Any:
    async def handler(request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != JWT_BEARER_GRANT or not isinstance(form.get("assertion"), str):
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        audience = f"{request.scheme}://{request.host}/"
        refusal = _check_grant(standin, str(form["assertion"]), audience)
        if refusal is not None:
            return web.json_response({"error": "invalid_grant", "error_description": refusal}, status=400)
        token = secrets.token_urlsafe(24)
        standin.tokens[token] = standin.clock() + TOKEN_LIFETIME_SECONDS
        return web.json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_SECONDS,
                "scope": standin.scope,
            }
        )

    return handler


def _check_grant(standin: PopulationStandIn, assertion: str, audience: str) -> str | None:  # noqa: PLR0911 - one return per rule
    """Why the grant is refused, or None: Maskinporten's rules for a grant with a business certificate."""
    registry = _grant_registry()
    try:
        header = jws.extract_compact(assertion.encode(), registry=registry).protected
    except (JoseError, ValueError):
        return "not a compact JWS"
    chain = header.get("x5c")
    if header.get("alg") != "RS256" or not isinstance(chain, list) or not chain:
        return "RS256 with the business certificate in x5c is required"
    if base64.b64decode(chain[0]) != standin.trusted_certificate_der:
        return "the certificate is not the one registered for this client"
    public_key = x509.load_der_x509_certificate(standin.trusted_certificate_der).public_key()
    key = RSAKey.import_key(
        public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    try:
        token = jwt.decode(assertion, key, algorithms=["RS256"], registry=registry)
        jwt.JWTClaimsRegistry(
            now=int(standin.clock()),
            leeway=5,
            iss={"essential": True, "value": standin.client_id},
            aud={"essential": True, "value": audience},
            scope={"essential": True, "value": standin.scope},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError) as error:
        return f"grant refused: {type(error).__name__}"
    claims = token.claims
    if set(claims) != GRANT_CLAIMS:
        return "claims other than aud, iss, scope, iat, exp and jti"
    if int(claims["exp"]) - int(claims["iat"]) > GRANT_LIFETIME_SECONDS:
        return "a grant may be valid for two minutes at most"
    if claims["jti"] in standin.used_grant_ids:
        return "the grant was used before"
    standin.used_grant_ids.add(str(claims["jti"]))
    return None


def _grant_registry() -> jws.JWSRegistry:
    registry = jws.JWSRegistry(algorithms=["RS256"])
    registry.max_header_length = MAX_GRANT_HEADER_BYTES
    return registry


def _authorised(standin: PopulationStandIn, request: web.Request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expires = standin.tokens.get(token)
    return scheme == "Bearer" and expires is not None and standin.clock() < expires


# The register's API ----------------------------------------------------------------------------------------


def _feed(standin: PopulationStandIn) -> Any:
    async def handler(request: web.Request) -> web.Response:
        if not _authorised(standin, request):
            return _error(401, "FREG-401", "missing or expired token")
        try:
            start = 1 if standin.answer_from_the_start else int(request.query.get("seq", "1"))
        except ValueError:
            return _error(400, "FREG-400", "seq must be a number")
        page = [event for event in standin.events if event["sekvensnummer"] >= start][:FEED_PAGE_SIZE]
        last = page[-1]["sekvensnummer"] if page else start - 1
        etag = '"' + hashlib.sha256(f"{start}:{last}:{len(page)}".encode()).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.json_response(page, headers={"ETag": etag})

    return handler


def _bulk_lookup(standin: PopulationStandIn) -> Any:
    async def handler(request: web.Request) -> web.Response:
        if not _authorised(standin, request):
            return _error(401, "FREG-401", "missing or expired token")
        try:
            asked = BulkLookupRequest.model_validate_json(await request.read())
        except ValidationError:
            return _error(400, "FREG-400", f"a list of at most {BULK_LOOKUP_MAX} numbers")
        hits = [
            {"foedselsEllerDNummer": number, "folkeregisterperson": _person_json(standin.people.get(number))}
            for number in asked.foedselsEllerDNummer
        ]
        return web.json_response({"oppslag": hits})

    return handler


def _person_json(person: RegisterPerson | None) -> dict[str, Any] | None:
    return None if person is None else person.model_dump(mode="json")


# The stand-in's own page: record events by hand (the demo) ---------------------------------------------


class StandInEvent(BaseModel):
    """One change typed into the form (or posted as JSON)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    national_id: str = Field(pattern=r"^[0-9]{11}$")
    kind: Literal["death", "move", "name", "protect", "person"]
    first_name: str | None = None
    last_name: str | None = None
    gender: Literal["kvinne", "mann"] | None = None
    address_line: str | None = None
    postal_code: str | None = None
    city: str | None = None
    protection: ProtectionLevel = "strengtFortrolig"


def apply_standin_event(standin: PopulationStandIn, event: StandInEvent) -> int:
    """Record one change; a person the stand-in does not know yet is made from the form (name needed)."""
    address = (
        RegisteredAddress(adresselinjer=[event.address_line], postnummer=event.postal_code, poststed=event.city)
        if event.address_line and event.postal_code and event.city
        else None
    )
    known = standin.people.get(event.national_id)
    if known is None or event.kind == "person":
        if not (event.first_name and event.last_name):
            raise ValueError("a person the register does not know yet needs a first and last name")
        person = RegisterPerson(
            folkeregisteridentifikator=event.national_id, status="bosatt", fornavn=event.first_name,
            etternavn=event.last_name, kjoenn=event.gender, bostedsadresse=address,
        )  # fmt: skip
        standin.people[event.national_id] = person
        if event.kind == "person":
            return standin.add_event(event.national_id, "opprettet")
    if event.kind == "death":
        return standin.change(event.national_id, "doedsfall", status="doed")
    if event.kind == "move":
        if address is None:
            raise ValueError("a move needs the address line, postal code and city")
        return standin.change(event.national_id, "flytting", bostedsadresse=address.model_dump())
    if event.kind == "name":
        if not (event.first_name and event.last_name):
            raise ValueError("a name change needs the first and last name")
        return standin.change(event.national_id, "navneendring", fornavn=event.first_name, etternavn=event.last_name)
    return standin.change(event.national_id, "adressebeskyttelse", adressebeskyttelse=event.protection)


def _admin_event(standin: PopulationStandIn) -> Any:
    async def handler(request: web.Request) -> web.Response:
        as_json = request.content_type == "application/json"
        data = (
            await request.json() if as_json else {key: value for key, value in (await request.post()).items() if value}
        )
        try:
            sequence_number = apply_standin_event(standin, StandInEvent.model_validate(data))
        except (ValidationError, ValueError) as error:
            message = error.errors(include_input=False)[0]["msg"] if isinstance(error, ValidationError) else str(error)
            if as_json:
                return _error(422, "STANDIN-422", message)
            return _page(f"<p role='alert'>Not recorded: {html.escape(message)}</p>", standin, status=422)
        if as_json:
            return web.json_response({"sekvensnummer": sequence_number}, status=201)
        return _page(f"<p role='status'>Recorded as event {sequence_number}.</p>", standin)

    return handler


def _admin_page(standin: PopulationStandIn) -> Any:
    async def handler(request: web.Request) -> web.Response:
        return _page("", standin)

    return handler


def _page(message: str, standin: PopulationStandIn, *, status: int = 200) -> web.Response:
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stand-in population register</title></head>
<body><main>
<h1>Stand-in population register</h1>
<p>Test data only: use synthetic national IDs (month + 80). {len(standin.events)} events so far; the registry
reads them from its feed within its poll interval.</p>
{message}
<form method="post" action="/admin/events">
<p><label>National ID <input name="national_id" required inputmode="numeric" pattern="[0-9]{{11}}"></label></p>
<fieldset><legend>What happened</legend>
<label><input type="radio" name="kind" value="move" checked> Moved (new registered address)</label><br>
<label><input type="radio" name="kind" value="death"> Died</label><br>
<label><input type="radio" name="kind" value="name"> Changed name</label><br>
<label><input type="radio" name="kind" value="protect"> Address became protected (strengt fortrolig)</label><br>
<label><input type="radio" name="kind" value="person"> Add or replace the person</label>
</fieldset>
<p>For a person the stand-in does not know yet, give the name as registered at the library.</p>
<p><label>First name <input name="first_name"></label> <label>Last name <input name="last_name"></label></p>
<p><label>Gender <select name="gender"><option value="">—</option><option value="kvinne">kvinne</option>
<option value="mann">mann</option></select></label></p>
<p><label>Address line <input name="address_line"></label> <label>Postal code <input name="postal_code"></label>
<label>City <input name="city"></label></p>
<p><button>Record the event</button></p>
</form></main></body></html>"""
    return web.Response(text=body, content_type="text/html", status=status)


@dataclass
class RunningStandIn:
    state: PopulationStandIn
    runner: web.AppRunner
    url: str

    @property
    def api_url(self) -> str:
        return self.url + API_PREFIX

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_standin(state: PopulationStandIn, host: str = "127.0.0.1", port: int = 0) -> RunningStandIn:
    """Serve the stand-in over plain HTTP on ``host`` (loopback: it holds test data only); port 0 picks one."""
    runner = web.AppRunner(create_standin_app(state), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    return RunningStandIn(state, runner, f"http://{bound_host}:{bound_port}")


def trusted_certificate_der(certificate_path: Path) -> bytes:
    """The business certificate the stand-in accepts grants from (the registry's, from its keys folder)."""
    certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
    return certificate.public_bytes(serialization.Encoding.DER)
