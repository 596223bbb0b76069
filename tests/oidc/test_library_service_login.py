"""The library-service login end to end over real HTTPS: authlib's client as the service, the patron's forms
posted as a browser would, id tokens checked with joserfc against the published keys."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
from authlib.integrations.base_client import OAuthError

from registry.app import RunningRegistry
from tests.oidc.conftest import (
    EBOOK_CALLBACK,
    FILM_CALLBACK,
    PIN,
    Answer,
    PatronBrowser,
    RegisteredPatron,
    RelyingParty,
    code_for,
    hidden_fields,
    is_at_least,
    log_in_and_consent,
    register,
)


def _query(location: str | None) -> dict[str, str]:
    assert location is not None
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


async def test_discovery_document_names_code_flow_pkce_and_pairwise_subjects(ebook_party: RelyingParty) -> None:
    document = await ebook_party.discovery()
    public = ebook_party.registry.public_url
    assert document["issuer"] == public
    assert document["authorization_endpoint"] == public + "/oidc/authorize"
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["subject_types_supported"] == ["pairwise"]
    assert document["id_token_signing_alg_values_supported"] == ["ES256"]
    assert "birthdate" not in document["claims_supported"]
    keys = (await ebook_party.get_json(document["jwks_uri"]))["keys"]
    assert keys
    assert all("d" not in key for key in keys)  # public parts only


async def test_login_consent_and_minimal_claims(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron
) -> None:
    session = ebook_party.session()
    url, verifier, nonce = await ebook_party.start(session, state="state-1")
    callback = await log_in_and_consent(ebook_party, patron_browser, patron, url, consent_expected=True)
    answered = _query(callback)
    assert answered["state"] == "state-1"
    assert answered["iss"] == ebook_party.registry.public_url

    token = await ebook_party.fetch_token(session, callback, code_verifier=verifier)
    claims = await ebook_party.id_token_claims(token["id_token"], nonce)
    # The home library and an age flag; no name, birth date, card number or national ID.
    assert claims["home_library"] == "asker"
    assert claims["age_over_18"] is is_at_least(patron, 18)
    assert set(claims) == {"iss", "sub", "aud", "azp", "iat", "exp", "auth_time", "nonce", "home_library",
                           "age_over_18"}  # fmt: skip
    assert patron.record.card_number not in str(claims)
    assert str(patron.record.patron_id) not in str(claims)

    # The access token reads the same claims at userinfo.
    userinfo = await asyncio.to_thread(session.get, (await ebook_party.discovery())["userinfo_endpoint"])
    assert userinfo.status_code == 200
    assert userinfo.json() == {"sub": claims["sub"], "home_library": "asker",
                               "age_over_18": is_at_least(patron, 18)}  # fmt: skip


async def test_consent_is_remembered_and_the_subject_is_stable_per_service_but_differs_between_services(
    registry: RunningRegistry, registry_database_url: str, keys_dir: Path, ebook_party: RelyingParty,
    patron_browser: PatronBrowser, patron: RegisteredPatron,
) -> None:  # fmt: skip
    subjects = []
    for consent_expected in (True, False):
        session = ebook_party.session()
        url, verifier, nonce = await ebook_party.start(session)
        callback = await log_in_and_consent(ebook_party, patron_browser, patron, url, consent_expected=consent_expected)
        token = await ebook_party.fetch_token(session, callback, code_verifier=verifier)
        subjects.append((await ebook_party.id_token_claims(token["id_token"], nonce))["sub"])
    assert subjects[0] == subjects[1]

    film = await register(registry_database_url, keys_dir, "film", [FILM_CALLBACK], claims=["age_over_15"])
    film_party = RelyingParty(registry, film, FILM_CALLBACK, ebook_party.ca_file, ebook_party.sessions)
    session = film_party.session()
    url, verifier, nonce = await film_party.start(session)
    callback = await log_in_and_consent(film_party, patron_browser, patron, url)
    token = await film_party.fetch_token(session, callback, code_verifier=verifier)
    film_claims = await film_party.id_token_claims(token["id_token"], nonce)
    assert film_claims["sub"] != subjects[0]
    # Only what the film service was registered for.
    assert film_claims["age_over_15"] is is_at_least(patron, 15)
    assert "home_library" not in film_claims


async def test_an_unregistered_redirect_uri_is_refused_on_a_page_and_never_redirected(
    ebook_party: RelyingParty, patron_browser: PatronBrowser
) -> None:
    session = ebook_party.session()
    session.redirect_uri = "https://ebok.example/callback/../steal"
    url, _, _ = await ebook_party.start(session)
    answer = await patron_browser.get(url)
    assert answer.status == 400
    assert answer.location is None
    assert "ikke er registrert for den" in answer.text

    session.redirect_uri = EBOOK_CALLBACK
    url, _, _ = await ebook_party.start(session)
    unknown_client = await patron_browser.get(url.replace("client_id=ebok", "client_id=nobody"))
    assert unknown_client.status == 400
    assert unknown_client.location is None


async def test_a_request_without_pkce_goes_back_to_the_service_as_an_error(
    ebook_party: RelyingParty, patron_browser: PatronBrowser
) -> None:
    session = ebook_party.session()
    url, _ = session.create_authorization_url((await ebook_party.discovery())["authorization_endpoint"], state="s-2")
    answer = await patron_browser.get(url)
    assert answer.status == 303
    assert _query(answer.location) | {"error_description": ""} == {
        "error": "invalid_request", "error_description": "", "state": "s-2", "iss": ebook_party.registry.public_url,
    }  # fmt: skip
    plain, _, _ = await ebook_party.start(session, state="s-3")
    plain = plain.replace("code_challenge_method=S256", "code_challenge_method=plain")
    assert _query((await patron_browser.get(plain)).location)["error"] == "invalid_request"


@pytest.mark.parametrize("verifier_sent", ["missing", "wrong"])
async def test_a_missing_or_wrong_pkce_verifier_is_refused_and_spends_the_code(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron, verifier_sent: str
) -> None:
    callback, verifier, _ = await code_for(ebook_party, patron_browser, patron)
    session = ebook_party.session()
    extra = {} if verifier_sent == "missing" else {"code_verifier": verifier[:-4] + "abcd"}
    with pytest.raises(OAuthError) as refused:
        await ebook_party.fetch_token(session, callback, **extra)
    assert refused.value.error == "invalid_grant"
    # The code was good for one try only: a thief who guessed wrong cannot try again, nor can anyone.
    with pytest.raises(OAuthError) as again:
        await ebook_party.fetch_token(ebook_party.session(), callback, code_verifier=verifier)
    assert again.value.error == "invalid_grant"


async def test_a_replayed_code_is_refused_and_revokes_what_it_gave(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron, registry_database_url: str
) -> None:
    callback, verifier, _ = await code_for(ebook_party, patron_browser, patron)
    session = ebook_party.session()
    await ebook_party.fetch_token(session, callback, code_verifier=verifier)
    userinfo_endpoint = (await ebook_party.discovery())["userinfo_endpoint"]
    assert (await asyncio.to_thread(session.get, userinfo_endpoint)).status_code == 200

    with pytest.raises(OAuthError) as replayed:
        await ebook_party.fetch_token(ebook_party.session(), callback, code_verifier=verifier)
    assert replayed.value.error == "invalid_grant"
    revoked = await asyncio.to_thread(session.get, userinfo_endpoint)
    assert revoked.status_code == 401
    assert revoked.json()["error"] == "invalid_token"
    operations = await _operations(registry_database_url, patron)
    assert "service_code_replayed" in operations


async def test_two_redemptions_at_once_give_tokens_once(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron
) -> None:
    callback, verifier, _ = await code_for(ebook_party, patron_browser, patron)
    outcomes = await asyncio.gather(
        *(ebook_party.fetch_token(ebook_party.session(), callback, code_verifier=verifier) for _ in range(4)),
        return_exceptions=True,
    )
    assert sum(isinstance(outcome, dict) for outcome in outcomes) == 1
    assert all(isinstance(outcome, (dict, OAuthError)) for outcome in outcomes)


async def test_a_code_for_another_redirect_uri_or_client_or_an_expired_one_is_refused(
    registry: RunningRegistry, registry_database_url: str, keys_dir: Path, ebook_party: RelyingParty,
    patron_browser: PatronBrowser, patron: RegisteredPatron,
) -> None:  # fmt: skip
    callback, verifier, _ = await code_for(ebook_party, patron_browser, patron)
    other_uri = ebook_party.session()
    other_uri.redirect_uri = "https://ebok.example/other"
    with pytest.raises(OAuthError) as refused:
        await ebook_party.fetch_token(other_uri, callback, code_verifier=verifier)
    assert refused.value.error == "invalid_grant"

    film = await register(registry_database_url, keys_dir, "film", [EBOOK_CALLBACK])
    film_party = RelyingParty(registry, film, EBOOK_CALLBACK, ebook_party.ca_file, ebook_party.sessions)
    callback, verifier, _ = await code_for(ebook_party, patron_browser, patron)
    with pytest.raises(OAuthError) as stolen:
        await film_party.fetch_token(film_party.session(), callback, code_verifier=verifier)
    assert stolen.value.error == "invalid_grant"

    callback, verifier, _ = await code_for(ebook_party, patron_browser, patron)
    connection = await asyncpg.connect(registry_database_url)
    try:
        await connection.execute(
            "UPDATE oidc_authorizations SET expires_at = $1 WHERE kind = 'code' AND redeemed_at IS NULL",
            dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
        )
    finally:
        await connection.close()
    with pytest.raises(OAuthError) as expired:
        await ebook_party.fetch_token(ebook_party.session(), callback, code_verifier=verifier)
    assert expired.value.error == "invalid_grant"


async def test_a_wrong_client_secret_is_refused(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron
) -> None:
    callback, verifier, _ = await code_for(ebook_party, patron_browser, patron)
    session = ebook_party.session()
    session.client_secret = "not-the-secret"
    with pytest.raises(OAuthError) as refused:
        await ebook_party.fetch_token(session, callback, code_verifier=verifier)
    assert refused.value.error == "invalid_client"


async def test_a_public_client_logs_in_with_pkce_alone(
    registry: RunningRegistry, registry_database_url: str, keys_dir: Path, ebook_party: RelyingParty,
    patron_browser: PatronBrowser, patron: RegisteredPatron,
) -> None:  # fmt: skip
    app = await register(registry_database_url, keys_dir, "ebok-app", ["http://127.0.0.1:7/callback"], public=True)
    assert app.secret is None
    party = RelyingParty(registry, app, "http://127.0.0.1:7/callback", ebook_party.ca_file, ebook_party.sessions)
    callback, verifier, nonce = await code_for(party, patron_browser, patron)
    token = await party.fetch_token(party.session(), callback, code_verifier=verifier)
    assert (await party.id_token_claims(token["id_token"], nonce))["home_library"] == "asker"


async def test_a_locked_card_cannot_log_in_to_a_service(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron, registry_database_url: str
) -> None:
    connection = await asyncpg.connect(registry_database_url)
    try:
        # Ten wrong PINs at the libraries lock the card until a library sets a new PIN.
        await connection.execute(
            "UPDATE patrons SET pin_failed_attempts = 10 WHERE patron_id = $1", patron.record.patron_id
        )
    finally:
        await connection.close()
    url, _, _ = await ebook_party.start(ebook_party.session())
    login_page = await patron_browser.get(url)
    answer = await patron_browser.log_in(ebook_party.registry, login_page, patron.record.card_number, PIN)
    assert answer.status == 423
    assert answer.location is None
    assert "Kortet er sperret" in answer.text


async def test_wrong_pins_are_throttled_like_every_online_door(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron
) -> None:
    url, _, _ = await ebook_party.start(ebook_party.session())
    login_page = await patron_browser.get(url)
    answers: list[Answer] = []
    for _ in range(4):
        answers.append(await patron_browser.log_in(ebook_party.registry, login_page, patron.record.card_number, "9071"))
    assert [answer.status for answer in answers[:3]] == [401, 401, 401]
    assert answers[3].status == 429
    # The right PIN does not help while the attempts are throttled.
    right = await patron_browser.log_in(ebook_party.registry, login_page, patron.record.card_number, PIN)
    assert right.status == 429
    assert right.location is None


async def test_a_login_form_without_its_token_is_refused(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron
) -> None:
    url, _, _ = await ebook_party.start(ebook_party.session())
    login_page = await patron_browser.get(url)
    forged = Answer(login_page.status, login_page.text.replace('name="csrf" value="', 'name="csrf" value="x'), None)
    answer = await patron_browser.log_in(ebook_party.registry, forged, patron.record.card_number, PIN)
    assert answer.status == 400
    assert answer.location is None


async def test_declining_consent_goes_back_as_access_denied_and_gives_nothing(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron, registry_database_url: str
) -> None:
    url, _, _ = await ebook_party.start(ebook_party.session(), state="s-9")
    login_page = await patron_browser.get(url)
    consent_page = await patron_browser.log_in(ebook_party.registry, login_page, patron.record.card_number, PIN)
    declined = await patron_browser.consent(ebook_party.registry, consent_page, decision="deny")
    assert _query(declined.location)["error"] == "access_denied"
    assert _query(declined.location)["state"] == "s-9"
    assert "code" not in _query(declined.location)
    # The consent form is single-use.
    again = await patron_browser.consent(ebook_party.registry, consent_page)
    assert again.status == 400
    assert "service_consent" not in await _operations(registry_database_url, patron)


async def _operations(database_url: str, patron: RegisteredPatron) -> list[str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT operation FROM audit_pending WHERE patron_id = $1 UNION ALL "
            "SELECT operation FROM audit_log WHERE patron_id = $1",
            patron.record.patron_id,
        )
    finally:
        await connection.close()
    return [row["operation"] for row in rows]


async def test_every_login_is_in_the_audit_trail_and_on_the_insight_page(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron, registry_database_url: str
) -> None:
    callback, verifier, _ = await code_for(ebook_party, patron_browser, patron)
    await ebook_party.fetch_token(ebook_party.session(), callback, code_verifier=verifier)
    operations = await _operations(registry_database_url, patron)
    assert {"authenticate", "service_consent", "service_login"} <= set(operations)

    insight = await patron_browser.get(ebook_party.registry.public_url + "/?lang=nb")
    fields = {**hidden_fields(insight.text), "card_number": patron.record.card_number, "pin": PIN}
    logged_in = await patron_browser.post(ebook_party.registry.public_url + "/login", fields)
    assert logged_in.status == 303
    page = await patron_browser.get(ebook_party.registry.public_url + "/me?lang=nb")
    assert "Tjenester du har logget inn på" in page.text
    assert "ebok (nb)" in page.text
    assert "innlogging på tjenesten" in page.text


async def test_the_service_login_and_the_insight_login_share_one_login_budget_per_address(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron
) -> None:
    public = ebook_party.registry.public_url
    insight = await patron_browser.get(public + "/?lang=nb")
    for _ in range(10):  # the per-address burst (plumbing.ratelimit.PER_SOURCE)
        fields = {**hidden_fields(insight.text), "card_number": patron.record.card_number, "pin": "9071"}
        assert (await patron_browser.post(public + "/login", fields)).status in {401, 429}
    url, _, _ = await ebook_party.start(ebook_party.session())
    login_page = await patron_browser.get(url)
    answer = await patron_browser.log_in(ebook_party.registry, login_page, patron.record.card_number, PIN)
    assert answer.status == 429
    assert "For mange innloggingsforsøk herfra" in answer.text
    assert answer.location is None
