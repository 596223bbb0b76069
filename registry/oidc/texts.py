"""The words of the library-service login pages, in Norwegian bokmål and English.

Refusals of card number and PIN are the insight site's words (one table for every online door); these are the
pages' own.
"""

from __future__ import annotations

from plumbing.web.language import Language

TEXTS: dict[str, dict[Language, str]] = {
    "login_title": {"nb": "Logg inn på {service}", "en": "Log in to {service}"},
    "login_intro": {
        "nb": "{service} bruker det nasjonale lånekortet. Logg inn med lånekortnummer og PIN-kode.",
        "en": "{service} uses the national library card. Log in with your card number and PIN.",
    },
    "cancel": {"nb": "Avbryt og gå tilbake", "en": "Cancel and go back"},
    "consent_title": {"nb": "Gi {service} tilgang?", "en": "Give {service} access?"},
    "consent_intro": {
        "nb": "Første gang du logger inn på {service}, spør vi deg. Tjenesten får vite:",
        "en": "The first time you log in to {service}, we ask you. The service will learn:",
    },
    "consent_pseudonym": {
        "nb": "et nummer som bare kjenner deg igjen hos denne tjenesten (ikke hos andre tjenester)",
        "en": "a number that recognises you at this service only (not at other services)",
    },
    "consent_never": {
        "nb": "Tjenesten får aldri fødselsnummeret ditt, fødselsdatoen din eller PIN-koden din. Du ser innloggingene "
        "dine på innsynssiden.",
        "en": "The service never gets your national ID number, your date of birth or your PIN. You can see your logins "
        "on the insight page.",
    },
    "allow": {"nb": "Ja, logg meg inn", "en": "Yes, log me in"},
    "deny": {"nb": "Nei, avbryt", "en": "No, cancel"},
    "consent_expired": {
        "nb": "Siden er utløpt. Gå tilbake til tjenesten og logg inn igjen.",
        "en": "This page has expired. Go back to the service and log in again.",
    },
    "request_refused_title": {"nb": "Innloggingen kan ikke starte", "en": "The login cannot start"},
    "client_unknown": {
        "nb": "Tjenesten som sendte deg hit, er ikke kjent for det nasjonale lånekortregisteret.",
        "en": "The service that sent you here is not known to the national library card registry.",
    },
    "redirect_uri_mismatch": {
        "nb": "Tjenesten ba om å sende deg tilbake til en adresse som ikke er registrert for den. Av sikkerhetshensyn "
        "sender vi deg ikke dit.",
        "en": "The service asked to send you back to an address that is not registered for it. For your safety we do "
        "not send you there.",
    },
    "services_heading": {"nb": "Tjenester du har logget inn på", "en": "Services you have logged in to"},
    "services_none": {
        "nb": "Du har ikke logget inn på noen tjenester med lånekortet.",
        "en": "You have not logged in to any services with your library card.",
    },
    "service": {"nb": "Tjeneste", "en": "Service"},
    "service_given": {"nb": "Får vite", "en": "Learns"},
    "service_last_login": {"nb": "Sist innlogget", "en": "Last login"},
    "service_logins": {"nb": "Antall innlogginger", "en": "Logins"},
    "service_agreed": {"nb": "Godkjent", "en": "Agreed"},
    "never": {"nb": "aldri", "en": "never"},
    "withdraw": {"nb": "Trekk tilbake tilgangen", "en": "Withdraw access"},
    "withdraw_for": {"nb": "Trekk tilbake tilgangen for {service}", "en": "Withdraw access for {service}"},
    "service_withdrawn": {
        "nb": "Tilgangen er trukket tilbake. Neste gang du logger inn på tjenesten, blir du spurt igjen.",
        "en": "Access withdrawn. The next time you log in to the service, you will be asked again.",
    },
}

# Audit operations of the library-service login, as a patron should read them on the insight page.
OPERATIONS: dict[str, dict[Language, str]] = {
    "service_consent": {"nb": "du ga tjenesten tilgang", "en": "you gave the service access"},
    "service_login": {"nb": "innlogging på tjenesten", "en": "logged in to the service"},
    "service_userinfo": {"nb": "tjenesten hentet opplysningene den får", "en": "the service fetched what it may know"},
    "service_consent_withdrawn": {
        "nb": "du trakk tilbake tjenestens tilgang",
        "en": "you withdrew the service's access",
    },
    "service_code_replayed": {
        "nb": "en brukt innloggingskode ble forsøkt igjen (avvist)",
        "en": "a used login code was tried again (refused)",
    },
}


def text(key: str, language: Language, **values: object) -> str:
    return TEXTS[key][language].format(**values)
