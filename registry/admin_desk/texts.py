"""The administrators' desk's words in Norwegian bokmål and English."""

from __future__ import annotations

from plumbing.web.language import Language

TEXTS: dict[str, dict[Language, str]] = {
    "site_title": {"nb": "Lånekortregisteret – administrasjon", "en": "Library card registry – administration"},
    "signed_in_as": {"nb": "Innlogget med sertifikat som {name}", "en": "Signed in by certificate as {name}"},
    "language": {"nb": "English", "en": "Norsk (bokmål)"},
    "skip": {"nb": "Gå til innholdet", "en": "Skip to content"},
    "navigation": {"nb": "Hovedmeny", "en": "Main menu"},
    "nav_requests": {"nb": "Slettinger og dødsfall", "en": "Deletions and deaths"},
    "nav_libraries": {"nb": "Bibliotek", "en": "Libraries"},
    "nav_audit": {"nb": "Revisjonslogg", "en": "Audit log"},
    "nav_keys": {"nb": "Nøkler og sertifikater", "en": "Keys and certificates"},
    # The erasure queue.
    "requests_heading": {
        "nb": "Slettingsforespørsler og dødsfallsmeldinger",
        "en": "Deletion requests and death notices",
    },
    "requests_intro": {
        "nb": "Ventende forespørsler står først, eldste først. Sletting kan ikke angres.",
        "en": "Pending requests come first, oldest first. Erasure cannot be undone.",
    },
    "show_pending": {"nb": "Vis bare ventende", "en": "Show pending only"},
    "show_all": {"nb": "Vis alle, også behandlede", "en": "Show all, decided ones too"},
    "no_requests": {"nb": "Ingen forespørsler å vise.", "en": "No requests to show."},
    "card_number": {"nb": "Lånekortnummer", "en": "Card number"},
    "kind": {"nb": "Type", "en": "Kind"},
    "filed_by": {"nb": "Meldt av", "en": "Filed by"},
    "filed_at": {"nb": "Meldt", "en": "Filed"},
    "waited": {"nb": "Ventet", "en": "Waited"},
    "status": {"nb": "Status", "en": "Status"},
    "deletion": {"nb": "Sletting", "en": "Deletion"},
    "death_notice": {"nb": "Dødsfallsmelding", "en": "Death notice"},
    "pending": {"nb": "venter", "en": "pending"},
    "approved": {"nb": "godkjent", "en": "approved"},
    "rejected": {"nb": "avvist", "en": "rejected"},
    "insight_page": {"nb": "låneren selv (innsynssiden)", "en": "the patron (insight page)"},
    "population_register": {"nb": "Folkeregisteret", "en": "the population register"},
    "erased": {"nb": "(slettet)", "en": "(erased)"},
    "open": {"nb": "Åpne", "en": "Open"},
    "days_hours": {"nb": "{days} d {hours} t", "en": "{days} d {hours} h"},
    "hours_minutes": {"nb": "{hours} t {minutes} min", "en": "{hours} h {minutes} min"},
    "request_heading": {"nb": "{kind} for kort {card}", "en": "{kind} for card {card}"},
    "request_heading_erased": {"nb": "{kind} (opplysningene er slettet)", "en": "{kind} (the record is erased)"},
    "name": {"nb": "Navn", "en": "Name"},
    "birth_date": {"nb": "Fødselsdato", "en": "Date of birth"},
    "home_library": {"nb": "Hjemmebibliotek", "en": "Home library"},
    "will_be_told": {"nb": "Bibliotek som får beskjed", "en": "Libraries that will be told"},
    "what_is_erased": {"nb": "Dette slettes", "en": "What will be erased"},
    "erasure_explained": {
        "nb": "Hele den nasjonale posten slettes: navn, fødselsdato, kjønn, fødselsnummer, adresser, telefon, "
        "e-post, kontaktmåte, hjemmebibliotek, PIN-kode og tilknytninger. Datanøkkelen destrueres, så også "
        "sikkerhetskopier blir uleselige. Bare lånerens UUID og tidspunktet beholdes i slettingsloggen. "
        "Bibliotekene under får en melding og fjerner koblingen; lån og gebyrer hos dem er deres egne.",
        "en": "The whole national record is erased: name, date of birth, gender, national ID, addresses, phone, "
        "e-mail, contact method, home library, PIN and associations. The data key is destroyed, so backups "
        "become unreadable too. Only the UUID and the time are kept in the erasure ledger. The libraries below "
        "are told and drop the link; loans and fees at them are their own.",
    },
    "decision": {"nb": "Avgjørelse", "en": "Decision"},
    "decided": {"nb": "{status} {at} av {by}", "en": "{status} {at} by {by}"},
    "reason": {"nb": "Begrunnelse (påkrevd, høyst 500 tegn)", "en": "Reason (required, at most 500 characters)"},
    "reason_hint": {
        "nb": "Begrunnelsen lagres med forespørselen og i revisjonsloggen. Skriv ikke fødselsnummer.",
        "en": "The reason is kept with the request and in the audit log. Do not write national IDs.",
    },
    "approve": {"nb": "Godkjenn og slett …", "en": "Approve and erase …"},
    "reject": {"nb": "Avvis …", "en": "Reject …"},
    "confirm_heading_approve": {"nb": "Bekreft sletting", "en": "Confirm erasure"},
    "confirm_heading_reject": {"nb": "Bekreft avvisning", "en": "Confirm rejection"},
    "confirm_approve": {
        "nb": "Den nasjonale posten for kort {card} slettes nå for godt. Dette kan ikke angres.",
        "en": "The national record of card {card} will now be erased for good. This cannot be undone.",
    },
    "confirm_reject": {
        "nb": "Forespørselen for kort {card} avvises, og posten beholdes.",
        "en": "The request for card {card} is rejected, and the record is kept.",
    },
    "confirm_approve_button": {"nb": "Ja, slett for godt", "en": "Yes, erase for good"},
    "confirm_reject_button": {"nb": "Ja, avvis", "en": "Yes, reject"},
    "cancel": {"nb": "Avbryt", "en": "Cancel"},
    "decided_approved": {"nb": "Forespørselen er godkjent og posten slettet.", "en": "Approved: the record is erased."},
    "decided_rejected": {"nb": "Forespørselen er avvist.", "en": "The request is rejected."},
    "reason_missing": {"nb": "Skriv en begrunnelse.", "en": "Write a reason."},
    "reason_too_long": {
        "nb": "Begrunnelsen er for lang (høyst 500 tegn).",
        "en": "The reason is too long (500 characters at most).",
    },
    "already_decided": {"nb": "Forespørselen er allerede behandlet.", "en": "The request has already been decided."},
    "not_found": {"nb": "Fant ikke forespørselen.", "en": "No such request."},
    "back_to_list": {"nb": "Tilbake til listen", "en": "Back to the list"},
    # Libraries.
    "libraries_heading": {"nb": "Bibliotek", "en": "Libraries"},
    "library_id": {"nb": "Id", "en": "Id"},
    "library_name": {"nb": "Navn", "en": "Name"},
    "state": {"nb": "Tilstand", "en": "State"},
    "active": {"nb": "aktiv", "en": "active"},
    "revoked": {"nb": "tilbakekalt", "en": "revoked"},
    "last_seen": {"nb": "Sist sett", "en": "Last seen"},
    "never": {"nb": "aldri", "en": "never"},
    "certificate_until": {"nb": "Sertifikat gyldig til", "en": "Certificate valid until"},
    "no_libraries": {"nb": "Ingen bibliotek er registrert.", "en": "No libraries are registered."},
    "libraries_hint": {
        "nb": "Nye bibliotek: natreg keys add-library ID --name NAVN. Tilbakekall: natreg keys revoke ID.",
        "en": "New libraries: natreg keys add-library ID --name NAME. Revoke: natreg keys revoke ID.",
    },
    # The audit chain.
    "audit_heading": {"nb": "Revisjonsloggen", "en": "The audit log"},
    "last_sealed": {"nb": "Siste forseglede oppføring", "en": "Last sealed entry"},
    "entry_at": {"nb": "nr. {number}, {at}", "en": "no. {number}, {at}"},
    "chain_empty": {"nb": "ingen ennå", "en": "none yet"},
    "unsealed": {"nb": "Venter på forsegling", "en": "Waiting to be sealed"},
    "unsealed_value": {"nb": "{count} (eldste {seconds} s)", "en": "{count} (oldest {seconds} s)"},
    "verify": {"nb": "Kontroller hele kjeden nå", "en": "Verify the whole chain now"},
    "verify_hint": {
        "nb": "Forsegler det som venter og kontrollerer hver oppføring mot revisjonsnøkkelen.",
        "en": "Seals what is waiting and checks every entry against the audit key.",
    },
    "chain_intact": {
        "nb": "Kjeden er hel: {count} oppføringer kontrollert.",
        "en": "The chain is intact: {count} entries verified.",
    },
    "chain_broken": {
        "nb": "Kjeden er BRUTT ved oppføring {number}: {problem}",
        "en": "The chain is BROKEN at entry {number}: {problem}",
    },
    # Keys.
    "keys_heading": {"nb": "Nøkler og sertifikater", "en": "Keys and certificates"},
    "kek_heading": {"nb": "Nøkkelkrypteringsnøkler (KEK)", "en": "Key-encryption keys (KEK)"},
    "kek_version": {"nb": "Versjon", "en": "Version"},
    "kek_patrons": {"nb": "Lånere", "en": "Patrons"},
    "kek_in_use": {"nb": "Aktiv", "en": "Active"},
    "yes": {"nb": "ja", "en": "yes"},
    "no": {"nb": "nei", "en": "no"},
    "rotation_done": {
        "nb": "Alle datanøkler er pakket med aktiv versjon.",
        "en": "Every data key is wrapped by the active version.",
    },
    "rotation_left": {
        "nb": "{count} lånere har datanøkkel pakket med en eldre versjon: kjør natreg registry rotate-keys.",
        "en": "{count} patrons have a data key wrapped by an older version: run natreg registry rotate-keys.",
    },
    "crl_heading": {"nb": "Tilbakekallingsliste (CRL)", "en": "Revocation list (CRL)"},
    "crl_next_update": {"nb": "Gyldig til {at}", "en": "Valid until {at}"},
    "crl_missing": {"nb": "Ingen CRL funnet.", "en": "No CRL found."},
    "certificates_heading": {"nb": "Sertifikater", "en": "Certificates"},
    "certificate": {"nb": "Sertifikat", "en": "Certificate"},
    "expires": {"nb": "Utløper", "en": "Expires"},
    "warnings": {"nb": "Advarsler", "en": "Warnings"},
    # Refusals.
    "refused_heading": {"nb": "Ingen tilgang", "en": "Access refused"},
    "refused_not_admin": {
        "nb": "Sertifikatet ditt gir ikke tilgang til administrasjonen. Bruk ditt eget administratorsertifikat.",
        "en": "Your certificate does not open the administrators' desk. Use your own administrator certificate.",
    },
    "refused_revoked": {"nb": "Sertifikatet ditt er tilbakekalt.", "en": "Your certificate has been revoked."},
    "form_expired": {
        "nb": "Skjemaet var utløpt eller kom fra et annet sted. Last siden på nytt og prøv igjen.",
        "en": "The form was stale or came from elsewhere. Reload the page and try again.",
    },
    "error_heading": {"nb": "Det gikk ikke", "en": "That did not work"},
}


def text(key: str, language: Language, **values: object) -> str:
    return TEXTS[key][language].format(**values)
