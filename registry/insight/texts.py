"""The insight site's words in Norwegian bokmål and English."""

from __future__ import annotations

from plumbing.web.language import LANGUAGES, Language
from registry.oidc.texts import OPERATIONS as SERVICE_OPERATIONS

__all__ = ["LANGUAGES", "TEXTS", "Language", "authenticated_by", "operation", "text"]


TEXTS: dict[str, dict[Language, str]] = {
    "site_title": {"nb": "Nasjonalt lånekort – innsyn", "en": "National library card – your data"},
    "login_heading": {"nb": "Se hva som er lagret om deg", "en": "See what is stored about you"},
    "login_intro": {
        "nb": "Logg inn med lånekortnummer og PIN-kode for å se alt registeret lagrer om deg.",
        "en": "Log in with your card number and PIN to see everything the registry stores about you.",
    },
    "card_number": {"nb": "Lånekortnummer (10 siffer)", "en": "Card number (10 digits)"},
    "pin": {"nb": "PIN-kode (4 siffer)", "en": "PIN (4 digits)"},
    "log_in": {"nb": "Logg inn", "en": "Log in"},
    "log_out": {"nb": "Logg ut", "en": "Log out"},
    "logged_out": {"nb": "Du er logget ut.", "en": "You are logged out."},
    "wrong_pin": {"nb": "Feil lånekortnummer eller PIN-kode.", "en": "Wrong card number or PIN."},
    "card_format": {"nb": "Lånekortnummeret har 10 siffer.", "en": "The card number has 10 digits."},
    "throttled": {
        "nb": "For mange feil PIN-koder. Vent {seconds} sekunder og prøv igjen.",
        "en": "Too many wrong PINs. Wait {seconds} seconds and try again.",
    },
    "too_many_attempts": {
        "nb": "For mange innloggingsforsøk herfra. Vent {seconds} sekunder og prøv igjen.",
        "en": "Too many login attempts from here. Wait {seconds} seconds and try again.",
    },
    "locked": {
        "nb": "Kortet er sperret etter for mange feil PIN-koder. Kontakt et bibliotek for å få ny PIN-kode.",
        "en": "The card is locked after too many wrong PINs. Ask a library for a new PIN.",
    },
    "card_replaced": {
        "nb": "Dette kortet er meldt tapt og erstattet. Bruk det nye kortet.",
        "en": "This card was reported lost and replaced. Use your new card.",
    },
    "card_upgraded": {
        "nb": "Dette kortet er oppgradert til et nasjonalt lånekort. Bruk det nasjonale kortet.",
        "en": "This card was upgraded to a national library card. Use the national card.",
    },
    "card_erased": {
        "nb": "Dette kortet er slettet fra registeret.",
        "en": "This card was erased from the registry.",
    },
    "card_opted_out": {
        "nb": "Dette nasjonale kortet er byttet mot et lokalt lånekort.",
        "en": "This national card was exchanged for a local card.",
    },
    "card_unlinked": {
        "nb": "Dette kortet er ikke lenger knyttet til biblioteket.",
        "en": "This card is no longer associated with the library.",
    },
    "no_pin": {
        "nb": "Det er ikke satt PIN-kode. Et bibliotek kan sette en.",
        "en": "No PIN is set. A library can set one.",
    },
    "session_expired": {"nb": "Økten er utløpt. Logg inn igjen.", "en": "Your session has expired. Log in again."},
    "form_expired": {"nb": "Skjemaet er utløpt. Prøv igjen.", "en": "The form has expired. Please try again."},
    "your_data": {"nb": "Dette er lagret om deg", "en": "This is stored about you"},
    "field": {"nb": "Opplysning", "en": "Field"},
    "value": {"nb": "Verdi", "en": "Value"},
    "name": {"nb": "Navn", "en": "Name"},
    "national_id": {"nb": "Fødselsnummer", "en": "National ID number"},
    "reveal_pin": {
        "nb": "PIN-kode for å vise hele fødselsnummeret",
        "en": "PIN to show the full national ID number",
    },
    "reveal": {"nb": "Vis hele fødselsnummeret", "en": "Show the full national ID number"},
    "birth_date": {"nb": "Fødselsdato", "en": "Date of birth"},
    "gender": {"nb": "Kjønn", "en": "Gender"},
    "female": {"nb": "Kvinne", "en": "Female"},
    "male": {"nb": "Mann", "en": "Male"},
    "addresses": {"nb": "Postadresser", "en": "Postal addresses"},
    "phone_numbers": {"nb": "Telefonnumre", "en": "Phone numbers"},
    "email": {"nb": "E-post", "en": "E-mail"},
    "preferred_contact": {"nb": "Foretrukket kontaktmåte", "en": "Preferred contact method"},
    "letter": {"nb": "Brev", "en": "Letter"},
    "sms": {"nb": "SMS", "en": "SMS"},
    "home_library": {"nb": "Hjemmebibliotek", "en": "Home library"},
    "libraries": {"nb": "Bibliotek du er knyttet til", "en": "Libraries you are associated with"},
    "pin_set": {"nb": "PIN-kode", "en": "PIN"},
    "pin_stored": {
        "nb": "Lagret (kryptografisk hash, kan ikke leses)",
        "en": "Stored (as a cryptographic hash; unreadable)",
    },
    "pin_missing": {"nb": "Ikke satt", "en": "Not set"},
    "none": {"nb": "Ingen", "en": "None"},
    "access_log": {"nb": "Hvem har sett eller endret opplysningene", "en": "Who has seen or changed your data"},
    "when": {"nb": "Når", "en": "When"},
    "who": {"nb": "Hvem", "en": "Who"},
    "what": {"nb": "Hva", "en": "What"},
    "why": {"nb": "Hvorfor", "en": "Why"},
    "requests": {"nb": "Dine forespørsler", "en": "Your requests"},
    "no_requests": {"nb": "Ingen ventende forespørsler.", "en": "No pending requests."},
    "deletion": {"nb": "Sletting", "en": "Deletion"},
    "death_notice": {"nb": "Dødsfallsmelding", "en": "Death notice"},
    "pending": {"nb": "venter på behandling", "en": "waiting to be processed"},
    "download": {"nb": "Last ned alt som JSON", "en": "Download everything as JSON"},
    "request_deletion": {"nb": "Be om sletting av alle opplysningene", "en": "Ask for all of your data to be deleted"},
    "deletion_explained": {
        "nb": "Registerets administrator behandler forespørselen. Lån og gebyrer hos bibliotekene beholdes lokalt.",
        "en": "The registry's administrator processes the request. Loans and fees at the libraries stay local.",
    },
    "filed_on": {"nb": "innlevert {date}", "en": "filed {date}"},
    "pending_explained": {
        "nb": "Registerets administrator behandler forespørselen. Du trenger ikke gjøre noe mer.",
        "en": "The registry's administrator will process the request. You need do nothing more.",
    },
    "confirm_deletion_heading": {
        "nb": "Vil du be om at alle opplysningene slettes?",
        "en": "Do you want to ask for all of your data to be deleted?",
    },
    "confirm_deletion_decided": {
        "nb": "Forespørselen går til registerets administrator, som avgjør den. Blir den godkjent, slettes alt "
        "registeret lagrer om deg, og det nasjonale lånekortet ditt slutter å virke i alle bibliotek.",
        "en": "The request goes to the registry's administrator, who decides on it. If it is approved, everything "
        "the registry stores about you is deleted, and your national library card stops working at every library.",
    },
    "confirm_deletion_libraries": {
        "nb": "Lån og gebyrer blir værende hos bibliotekene; de må gjøres opp der som før.",
        "en": "Loans and fees stay with the libraries; settle them there as before.",
    },
    "confirm_deletion_local_card": {
        "nb": "Vil du fortsatt låne, kan biblioteket ditt gi deg et lokalt lånekort som ikke lagres sentralt.",
        "en": "To go on borrowing, your library can give you a local card that is not stored centrally.",
    },
    "confirm_deletion": {"nb": "Ja, be om sletting", "en": "Yes, ask for deletion"},
    "cancel_deletion": {"nb": "Nei, tilbake uten å slette", "en": "No, go back without deleting"},
    "deletion_filed": {"nb": "Forespørselen om sletting er registrert.", "en": "Your deletion request has been filed."},
    "corrections": {
        "nb": "Feil i opplysningene? Be om retting hos hvilket som helst av bibliotekene dine.",
        "en": "Something wrong? Ask any of your libraries to correct it.",
    },
    "privacy": {"nb": "Personvernerklæring", "en": "Privacy statement"},
    "controller": {"nb": "Behandlingsansvarlig", "en": "Data controller"},
    "privacy_text": {
        "nb": "Det nasjonale lånekortregisteret lagrer bare: lånenummer, fødselsdato, kjønn, kryptert fødselsnummer, "
        "navn, inntil to postadresser, telefonnumre, e-postadresse, foretrukket kontaktmåte, hjemmebibliotek, "
        "PIN-kode og hvilke bibliotek du er knyttet til. Lån, reservasjoner og andre mellomværender lagres bare hos "
        "det enkelte biblioteket. Opplysningene lagres til du ber om sletting, eller til et av bibliotekene dine får "
        "melding om dødsfall. Du kan når som helst se opplysningene her, og be om retting eller sletting hos ethvert "
        "bibliotek der du bruker kortet. Du kan også velge et lokalt lånekort som ikke lagres sentralt. Adresser "
        "selges eller utleveres aldri til andre.",
        "en": "The national library card registry stores only: card number, date of birth, gender, encrypted national "
        "ID number, name, up to two postal addresses, phone numbers, e-mail address, preferred contact method, home "
        "library, PIN and which libraries you are associated with. Loans, reservations and other matters stay with "
        "each library. The data is kept until you ask for deletion, or until one of your libraries receives a death "
        "notice. You can see the data here at any time, and ask any library where you use the card to correct or "
        "delete it. You may also choose a local card that is not stored centrally. Addresses are never sold or "
        "handed to others.",
    },
    "language": {"nb": "English", "en": "Norsk (bokmål)"},
    "back": {"nb": "Tilbake", "en": "Back"},
}

# Audit operations as a patron should read them.
OPERATIONS: dict[str, dict[Language, str]] = {
    "register": {"nb": "registrerte deg", "en": "registered you"},
    "lookup_by_national_id": {"nb": "slo deg opp med fødselsnummer", "en": "looked you up by national ID"},
    "lookup_by_card": {"nb": "slo deg opp med lånekortnummer", "en": "looked you up by card number"},
    "read": {"nb": "leste opplysningene", "en": "read your data"},
    "authenticate": {"nb": "innlogging", "en": "logged in"},
    "authenticate_failed": {"nb": "mislykket innlogging", "en": "failed login"},
    "update_contact": {"nb": "endret kontaktopplysninger", "en": "changed contact details"},
    "change_pin": {"nb": "satt ny PIN-kode", "en": "set a new PIN"},
    "report_lost_card": {"nb": "meldte kortet tapt", "en": "reported the card lost"},
    "link": {"nb": "knyttet deg til biblioteket", "en": "associated you with the library"},
    "unlink": {"nb": "fjernet tilknytningen", "en": "removed the association"},
    "set_home_library": {"nb": "endret hjemmebibliotek", "en": "changed the home library"},
    "insight_view": {"nb": "du så opplysningene dine", "en": "you viewed your data"},
    "insight_export": {"nb": "du lastet ned opplysningene dine", "en": "you downloaded your data"},
    "insight_reveal": {"nb": "du viste hele fødselsnummeret", "en": "you showed your full national ID"},
    "file_deletion": {"nb": "forespørsel om sletting", "en": "deletion requested"},
    "file_death_notice": {"nb": "dødsfallsmelding", "en": "death notice filed"},
    "import": {"nb": "overført fra tidligere register", "en": "migrated from the earlier registry"},
    "show_erasure_request": {"nb": "så på forespørselen om sletting", "en": "reviewed the erasure request"},
    "rejected_deletion": {"nb": "avviste forespørselen om sletting", "en": "rejected the deletion request"},
    "rejected_death_notice": {"nb": "avviste dødsfallsmeldingen", "en": "rejected the death notice"},
    # Signed statements (registry/federation/statements.py): {library} is the library asked on the patron's behalf.
    "statement_loans_read": {
        "nb": "ba {library} om lånene dine på dine vegne",
        "en": "asked {library} for your loans on your behalf",
    },
    "statement_loans_renew": {
        "nb": "ba {library} fornye et lån på dine vegne",
        "en": "asked {library} to renew a loan on your behalf",
    },
    "statement_requests_create": {
        "nb": "ba {library} om et fjernlån på dine vegne",
        "en": "asked {library} for an interlibrary loan on your behalf",
    },
    **SERVICE_OPERATIONS,
}
# How the asking library knew it was you, for statements (the audit entry's purpose names it).
AUTHENTICATED_BY: dict[str, dict[Language, str]] = {
    "minside": {"nb": "du var logget inn på Min side", "en": "you were logged in to My page"},
    "kiosk": {"nb": "kort og PIN-kode på en selvbetjeningsautomat", "en": "card and PIN at a self-service machine"},
    "desk_card": {"nb": "du viste kortet i skranken", "en": "you showed your card at the desk"},
}


def text(key: str, language: Language, **values: object) -> str:
    return TEXTS[key][language].format(**values)


def operation(name: str, language: Language, **values: object) -> str:
    return OPERATIONS.get(name, {}).get(language, name).format(**values)


def authenticated_by(method: str, language: Language) -> str:
    return AUTHENTICATED_BY.get(method, {}).get(language, method)
