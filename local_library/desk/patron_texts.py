"""The words of the desk's patron pages in Norwegian bokmål and English, added to the desk's table.

Refusals are worded per domain code (``code_<code>``); a code without words here is shown with the generic
``code_unknown`` text naming the code, so a new refusal is never silent. Problems with one field are worded
per kind (``field_<kind>``) and shown next to that field.
"""

from __future__ import annotations

from .texts import Words, add_texts

PATRON_TEXTS: dict[str, Words] = {
    # Finding patrons.
    "find_label": {"nb": "Lånekortnummer eller navn", "en": "Card number or name"},
    "find_button": {"nb": "Søk", "en": "Search"},
    "find_results": {"nb": "Treff for «{query}»", "en": "Results for «{query}»"},
    "find_none": {"nb": "Ingen lånere passer til «{query}».", "en": "No patrons match «{query}»."},
    "find_more": {
        "nb": "Viser de {count} første treffene. Søk mer presist for å finne flere.",
        "en": "Showing the first {count} results. Search more narrowly to find others.",
    },
    "new_heading": {"nb": "Ny låner", "en": "New patron"},
    "new_local": {"nb": "Lokalt lånekort", "en": "Local card"},
    "new_national": {"nb": "Nasjonalt lånekort", "en": "National card"},
    "new_institution": {"nb": "Institusjonskort", "en": "Institution card"},
    "new_link": {
        "nb": "Knytt til et nasjonalt lånekort fra et annet bibliotek",
        "en": "Link a national card from another library",
    },
    # The patron's data.
    "card_number": {"nb": "Lånekortnummer", "en": "Card number"},
    "card_barcode": {"nb": "Strekkode for lånekortnummer {number}", "en": "Barcode of card number {number}"},
    "card_pending": {
        "nb": "(venter på nummer fra det nasjonale registeret)",
        "en": "(waiting for a number from the national registry)",
    },
    "kind": {"nb": "Korttype", "en": "Card type"},
    "kind_institution": {"nb": "Institusjon", "en": "Institution"},
    "name": {"nb": "Navn", "en": "Name"},
    "birth_date": {"nb": "Fødselsdato", "en": "Date of birth"},
    "birth_date_hint": {"nb": "Som ÅÅÅÅ-MM-DD, f.eks. 2012-05-30.", "en": "As YYYY-MM-DD, e.g. 2012-05-30."},
    "birth_date_2032_hint": {
        "nb": "Bare for fødselsnummer tildelt etter 2032-reglene, som ikke viser fødselsdato og kjønn (ÅÅÅÅ-MM-DD).",
        "en": "Only for national ID numbers issued under the 2032 rules, which encode neither (YYYY-MM-DD).",
    },
    "gender": {"nb": "Kjønn", "en": "Gender"},
    "gender_from_number": {"nb": "Fra fødselsnummeret", "en": "From the national ID"},
    "gender_female": {"nb": "Kvinne", "en": "Female"},
    "gender_male": {"nb": "Mann", "en": "Male"},
    "email": {"nb": "E-post", "en": "E-mail"},
    "phone": {"nb": "Telefon", "en": "Phone"},
    "postal_address": {"nb": "Postadresse", "en": "Postal address"},
    "address_line": {"nb": "Gateadresse", "en": "Street address"},
    "postal_code": {"nb": "Postnummer", "en": "Postal code"},
    "city": {"nb": "Poststed", "en": "City"},
    "address_now": {
        "nb": "Nå: {address}. Fyll inn bare for å endre.",
        "en": "Now: {address}. Fill in only to change it.",
    },
    "preferred_contact": {"nb": "Foretrukket kontaktmåte", "en": "Preferred contact method"},
    "contact_email": {"nb": "E-post", "en": "E-mail"},
    "contact_sms": {"nb": "SMS", "en": "SMS"},
    "contact_letter": {"nb": "Brev", "en": "Letter"},
    "guardian": {"nb": "Foresatt", "en": "Guardian"},
    "guardian_name": {"nb": "Foresattes navn", "en": "Guardian's name"},
    "guardian_contact": {"nb": "Foresattes kontaktinformasjon", "en": "Guardian's contact details"},
    "guardian_hint": {
        "nb": "Påkrevd for lånere under {age} år ved dette biblioteket.",
        "en": "Required for patrons under {age} at this library.",
    },
    "institution_name": {"nb": "Institusjonens navn", "en": "Institution's name"},
    "responsible_person": {"nb": "Ansvarlig person", "en": "Responsible person"},
    "pin_state": {"nb": "PIN-kode", "en": "PIN"},
    "pin_set": {"nb": "Satt", "en": "Set"},
    "pin_missing": {"nb": "Ikke satt", "en": "Not set"},
    "none": {"nb": "—", "en": "—"},
    "patron_details": {"nb": "Opplysninger", "en": "Details"},
    "kept_nationally": {"nb": "lagres i det nasjonale registeret", "en": "kept in the national registry"},
    "kept_nationally_note": {
        "nb": (
            "Merket «lagres i det nasjonale registeret»: endringer sendes dit og når alle bibliotekene låneren bruker."
        ),
        "en": "Marked «kept in the national registry»: changes go there and reach every library the patron uses.",
    },
    "blocks_heading": {"nb": "Sperringer og varsler", "en": "Blocks and warnings"},
    "no_blocks": {"nb": "Ingen sperringer eller varsler.", "en": "No blocks or warnings."},
    "blocked_reminders": {
        "nb": "Sperret etter purringer: lever eller erstatt det som er purret.",
        "en": "Blocked after reminders: the reminded items must be returned or paid for.",
    },
    "blocked_staff": {"nb": "Sperret av biblioteket.", "en": "Blocked by the library."},
    "warn_guardian": {
        "nb": "Låneren er under {age} år og har ingen foresatt registrert.",
        "en": "The patron is under {age} and has no guardian on record.",
    },
    "warn_pin_missing": {
        "nb": "Ingen PIN-kode: låneren kan ikke bruke automater eller Min side.",
        "en": "No PIN: the patron cannot use kiosks or Min side.",
    },
    "warn_queued": {
        "nb": "{count} endring(er) venter på det nasjonale registeret (sendes når det kan nås).",
        "en": "{count} change(s) waiting for the national registry (sent when it can be reached).",
    },
    "warn_refused": {
        "nb": "Registeret avviste en endring ({operation}): {reason}",
        "en": "The registry refused a change ({operation}): {reason}",
    },
    "warn_refused_hint": {
        "nb": "Se Registerstatus for å prøve igjen eller forkaste.",
        "en": "See Registry status to retry or discard it.",
    },
    "circulation_link": {"nb": "Åpne i utlån", "en": "Open in circulation"},
    "actions_heading": {"nb": "Handlinger", "en": "Actions"},
    "requests_heading": {"nb": "Henvendelser til det nasjonale registeret", "en": "Requests to the national registry"},
    "requests_when": {"nb": "Når", "en": "When"},
    "requests_what": {"nb": "Hva", "en": "What"},
    "requests_state": {"nb": "Status", "en": "State"},
    "requests_receipt": {"nb": "Kvittering", "en": "Receipt"},
    "show_receipt": {"nb": "Vis kvittering", "en": "Show receipt"},
    "state_pending": {
        "nb": "I kø: registeret får den når det kan nås",
        "en": "Queued: the registry gets it when reachable",
    },
    "state_delivered": {"nb": "Sendt til det nasjonale registeret", "en": "Sent to the national registry"},
    "state_needs_staff": {
        "nb": "Avvist av registeret — venter på de ansatte",
        "en": "Refused by the registry — waiting for staff",
    },
    "state_discarded": {"nb": "Forkastet", "en": "Discarded"},
    "op_register": {"nb": "Registrering av nasjonalt lånekort", "en": "Registration of a national card"},
    "op_update_contact": {"nb": "Retting av kontaktopplysninger", "en": "Correction of contact details"},
    "op_opt_out": {"nb": "Utmelding av det nasjonale registeret", "en": "Opting out of the national registry"},
    "op_deletion_request": {"nb": "Krav om sletting", "en": "Deletion request"},
    "op_death_notice": {"nb": "Melding om dødsfall", "en": "Death notice"},
    "op_change_pin": {"nb": "Ny PIN-kode", "en": "New PIN"},
    "op_lost_card": {"nb": "Tapt lånekort", "en": "Lost card"},
    # Actions.
    "action_contact": {"nb": "Rett kontaktopplysninger", "en": "Correct contact details"},
    "action_pin": {"nb": "Sett PIN-kode", "en": "Set PIN"},
    "action_lost": {"nb": "Meld tapt lånekort", "en": "Report a lost card"},
    "action_upgrade": {"nb": "Gjør om til nasjonalt lånekort", "en": "Upgrade to a national card"},
    "action_opt_out": {"nb": "Meld ut av det nasjonale registeret (lokalt kort)", "en": "Opt out to a local card"},
    "action_deletion": {"nb": "Krav om sletting", "en": "File a deletion request"},
    "action_death": {"nb": "Meld dødsfall", "en": "File a death notice"},
    "action_block": {"nb": "Sperr lånekortet", "en": "Block the card"},
    "action_door_agreement": {"nb": "Avtale om meråpent", "en": "Unstaffed-hours agreement"},
    "action_choices": {"nb": "Varsel før forfall og kontaktmåte", "en": "Pre-due notice and contact method"},
    "choices_intro": {
        "nb": "Det låneren selv ønsker. Kontaktmåten til et nasjonalt kort sendes også til registeret.",
        "en": "What the patron asks for. A national card's contact method goes to the registry as well.",
    },
    "choose_pre_due_notice": {
        "nb": "E-post {days} dager før innleveringsfristen",
        "en": "E-mail {days} days before the due date",
    },
    "pre_due_notice": {"nb": "Varsel før forfall", "en": "Notice before the due date"},
    "pre_due_notice_yes": {"nb": "Ja, på e-post", "en": "Yes, by e-mail"},
    "pre_due_notice_no": {"nb": "Nei", "en": "No"},
    "done_choices": {"nb": "Lånerens valg er lagret.", "en": "The patron's choices are saved."},
    "door_agreement_intro": {
        "nb": "Registrer datoen på den signerte avtalen om meråpent bibliotek. Nå: {current}.",
        "en": "Record the date on the signed unstaffed-hours agreement. Now: {current}.",
    },
    "door_agreement_none": {"nb": "ingen avtale", "en": "no agreement"},
    "signed_on": {"nb": "Signert dato", "en": "Signed on"},
    "signed_on_hint": {"nb": "ÅÅÅÅ-MM-DD", "en": "YYYY-MM-DD"},
    "withdraw_agreement": {"nb": "Trekk tilbake avtalen", "en": "Withdraw the agreement"},
    "action_unblock": {"nb": "Opphev sperringen", "en": "Lift the block"},
    "back_to_patron": {"nb": "Tilbake til låneren", "en": "Back to the patron"},
    "save": {"nb": "Lagre", "en": "Save"},
    "register": {"nb": "Registrer", "en": "Register"},
    "link_button": {"nb": "Knytt til dette biblioteket", "en": "Link to this library"},
    # Forms.
    "errors_heading": {"nb": "Skjemaet har feil:", "en": "The form has errors:"},
    "pin": {"nb": "Ny PIN-kode (4 siffer)", "en": "New PIN (4 digits)"},
    "pin_again": {"nb": "Gjenta PIN-koden", "en": "Repeat the PIN"},
    "pin_hint": {
        "nb": "Låneren taster selv. Ikke en rekke eller gjentakelse (1234, 1111).",
        "en": "The patron types it. Not a run or repetition (1234, 1111).",
    },
    "pin_optional_hint": {
        "nb": "Kan stå tom; da kan kortet ikke brukes i automater.",
        "en": "May be left empty; the card then cannot be used at kiosks.",
    },
    "national_pin": {"nb": "Lånerens nåværende nasjonale PIN-kode", "en": "The patron's current national PIN"},
    "national_pin_hint": {
        "nb": "Låneren taster selv: det viser at låneren er til stede.",
        "en": "The patron types it: it shows the patron is present.",
    },
    "local_pin": {"nb": "Ny lokal PIN-kode (4 siffer)", "en": "New local PIN (4 digits)"},
    "national_id": {"nb": "Fødselsnummer (11 siffer)", "en": "National ID number (11 digits)"},
    "national_id_hint": {
        "nb": (
            "Sjekk legitimasjonen. Nummeret sendes kryptert til det nasjonale registeret, lagres ikke her og "
            "vises ikke igjen."
        ),
        "en": (
            "Check the ID. The number goes encrypted to the national registry, is not stored here and is not "
            "shown again."
        ),
    },
    "link_card": {"nb": "Det nasjonale lånekortnummeret (10 siffer)", "en": "The national card number (10 digits)"},
    "link_pin": {"nb": "Lånerens PIN-kode", "en": "The patron's PIN"},
    "link_intro": {
        "nb": (
            "Låneren har nasjonalt lånekort fra et annet bibliotek. Låneren må være til stede og taste PIN-koden sin."
        ),
        "en": "The patron has a national card from another library. The patron must be present and type their PIN.",
    },
    "national_intro": {
        "nb": "Et nasjonalt lånekort virker i alle folkebibliotek. Låneren viser legitimasjon.",
        "en": "A national card works at every public library. The patron shows ID.",
    },
    "local_intro": {
        "nb": "Et lokalt lånekort virker bare her, og ingenting sendes til det nasjonale registeret.",
        "en": "A local card works only here, and nothing is sent to the national registry.",
    },
    "institution_intro": {
        "nb": "Skoler, barnehager og andre institusjoner får et lokalt kort i institusjonens navn.",
        "en": "Schools, kindergartens and other institutions get a local card in the institution's name.",
    },
    "upgrade_intro": {
        "nb": "Det lokale kortet byttes ut med et nasjonalt når registeret har svart. Lån og gebyrer blir med.",
        "en": "The local card is replaced by a national one once the registry has answered. Loans and fees stay.",
    },
    "opt_out_intro": {
        "nb": (
            "Låneren får et nytt lokalt lånekort her med en gang, og den nasjonale posten slettes i registeret. "
            "Lån og gebyrer her blir med."
        ),
        "en": (
            "The patron gets a new local card here at once, and the national record is erased at the registry. "
            "Loans and fees here stay."
        ),
    },
    "lost_intro_local": {
        "nb": "Det gamle kortnummeret slutter å virke med en gang, og låneren får et nytt.",
        "en": "The old card number stops working at once, and the patron gets a new one.",
    },
    "lost_intro_national": {
        "nb": "Det nasjonale registeret utsteder et nytt nummer; det gamle slutter å virke i alle bibliotek.",
        "en": "The national registry issues a new number; the old one stops working at every library.",
    },
    "lost_fee": {"nb": "Gebyr for nytt kort her: {fee}.", "en": "Fee for a new card here: {fee}."},
    "lost_button": {"nb": "Meld kortet tapt", "en": "Report the card lost"},
    "pin_intro_national": {
        "nb": "Den nasjonale PIN-koden endres i registeret og gjelder i alle bibliotek.",
        "en": "The national PIN is changed at the registry and applies at every library.",
    },
    "contact_intro_national": {
        "nb": "Rettelser sendes til det nasjonale registeret, som gir beskjed til alle bibliotekene låneren bruker.",
        "en": "Corrections go to the national registry, which tells every library the patron uses.",
    },
    "registry_owns": {
        "nb": "Fødselsdato og lånekortnummer lagres i det nasjonale registeret og kan ikke endres her.",
        "en": "The date of birth and card number are kept in the national registry and cannot be changed here.",
    },
    "erasure_deletion_intro": {
        "nb": (
            "Låneren krever at den nasjonale posten slettes. Registerets administratorer behandler kravet; "
            "etterpå slettes posten i alle bibliotek."
        ),
        "en": (
            "The patron demands that the national record be erased. The registry's administrators process the "
            "request; then the record is erased at every library."
        ),
    },
    "erasure_death_intro": {
        "nb": (
            "Biblioteket har fått melding om at låneren er død. Registerets administratorer bekrefter meldingen "
            "før posten slettes."
        ),
        "en": (
            "The library has been told that the patron has died. The registry's administrators confirm the notice "
            "before the record is erased."
        ),
    },
    "confirm_deletion": {
        "nb": "Jeg har sjekket legitimasjonen, og låneren ber selv om slettingen.",
        "en": "I have checked the ID, and the patron asks for the deletion themself.",
    },
    "confirm_death": {
        "nb": "Jeg har sett dokumentasjon på dødsfallet.",
        "en": "I have seen documentation of the death.",
    },
    "file_deletion": {"nb": "Send kravet om sletting", "en": "File the deletion request"},
    "file_death": {"nb": "Send meldingen om dødsfall", "en": "File the death notice"},
    # Outcomes (after post/redirect/get).
    "done_registered": {"nb": "Låneren er registrert.", "en": "The patron is registered."},
    "done_linked": {
        "nb": "Det nasjonale lånekortet er knyttet til dette biblioteket.",
        "en": "The national card is linked to this library.",
    },
    "done_already_registered": {
        "nb": "Denne personen har allerede nasjonalt lånekort her. Her er låneren.",
        "en": "This person already has a national card here. Here is the patron.",
    },
    "done_contact": {"nb": "Kontaktopplysningene er lagret.", "en": "The contact details are saved."},
    "done_pin": {"nb": "PIN-koden er satt.", "en": "The PIN is set."},
    "done_lost": {"nb": "Kortet er meldt tapt.", "en": "The card is reported lost."},
    "done_upgrade": {
        "nb": "Registreringen av nasjonalt lånekort er sendt.",
        "en": "The national card registration is on its way.",
    },
    "done_blocked": {"nb": "Lånekortet er sperret.", "en": "The card is blocked."},
    "done_unblocked": {"nb": "Sperringen er opphevet.", "en": "The block is lifted."},
    "done_door_agreement": {
        "nb": "Avtalen om meråpent er registrert.",
        "en": "The unstaffed-hours agreement is recorded.",
    },
    "done_door_agreement_withdrawn": {
        "nb": "Avtalen om meråpent er trukket tilbake.",
        "en": "The unstaffed-hours agreement is withdrawn.",
    },
    "done_erased": {"nb": "Låneren er slettet.", "en": "The patron is erased."},
    "registry_sent": {"nb": "Sendt til det nasjonale registeret.", "en": "Sent to the national registry."},
    "registry_queued": {
        "nb": "Lagt i kø: det nasjonale registeret får det når det kan nås.",
        "en": "Queued: the national registry will get it when it can be reached.",
    },
    "done_nothing_changed": {"nb": "Ingenting er endret.", "en": "Nothing was changed."},
    # The receipt.
    "receipt_printed": {"nb": "Vist {when}", "en": "Shown {when}"},
    "receipt_heading": {"nb": "Kvittering", "en": "Receipt"},
    "receipt_for": {"nb": "Til", "en": "To"},
    "receipt_library": {"nb": "Bibliotek", "en": "Library"},
    "receipt_what": {"nb": "Hva er gjort", "en": "What was done"},
    "receipt_when": {"nb": "Når", "en": "When"},
    "receipt_state": {"nb": "Status hos det nasjonale registeret", "en": "State at the national registry"},
    "receipt_new_card": {"nb": "Nytt lokalt lånekortnummer", "en": "New local card number"},
    "receipt_opt_out": {
        "nb": (
            "Du er meldt ut av det nasjonale lånekortregisteret. Den nasjonale posten din slettes der. Du har et "
            "lokalt lånekort som bare virker ved {library}."
        ),
        "en": (
            "You have opted out of the national library card registry. Your national record is erased there. You "
            "have a local card that works only at {library}."
        ),
    },
    "receipt_deletion_request": {
        "nb": (
            "Kravet ditt om å slette den nasjonale posten er sendt videre til registerets administratorer. Du får "
            "beskjed når den er slettet."
        ),
        "en": (
            "Your demand that your national record be erased has been passed to the registry's administrators. "
            "You will be told when it is erased."
        ),
    },
    "receipt_death_notice": {
        "nb": (
            "Meldingen om dødsfall er sendt videre til registerets administratorer, som bekrefter den før posten "
            "slettes."
        ),
        "en": (
            "The death notice has been passed to the registry's administrators, who confirm it before the record "
            "is erased."
        ),
    },
    "receipt_generic": {
        "nb": "Henvendelsen er registrert av {library}.",
        "en": "The request has been recorded by {library}.",
    },
    "receipt_print": {
        "nb": "Skriv ut denne siden og gi den til låneren.",
        "en": "Print this page and give it to the patron.",
    },
    "receipt_controller": {
        "nb": "Spørsmål om hva som er lagret om deg nasjonalt: se innsynssiden til det nasjonale lånekortregisteret.",
        "en": (
            "Questions about what is stored about you nationally: see the national library card registry's "
            "insight page."
        ),
    },
    # Problems with one field.
    "field_missing": {"nb": "Fyll inn dette feltet.", "en": "Fill in this field."},
    "field_invalid": {"nb": "Sjekk dette feltet.", "en": "Check this field."},
    "field_email": {
        "nb": "Skriv en e-postadresse som navn@eksempel.no.",
        "en": "Write an e-mail address like name@example.org.",
    },
    "field_phone": {
        "nb": "Skriv et telefonnummer med bare sifre (og + først).",
        "en": "Write a phone number with digits only (and + first).",
    },
    "field_date": {"nb": "Skriv datoen som ÅÅÅÅ-MM-DD.", "en": "Write the date as YYYY-MM-DD."},
    "field_postal_code": {"nb": "Skriv et gyldig postnummer.", "en": "Write a valid postal code."},
    "field_card": {"nb": "Et nasjonalt lånekortnummer er 10 siffer.", "en": "A national card number is 10 digits."},
    "code_pins_differ": {"nb": "De to PIN-kodene er ikke like.", "en": "The two PINs differ."},
    "field_address_incomplete": {
        "nb": "Fyll inn gateadresse, postnummer og poststed.",
        "en": "Fill in street address, postal code and city.",
    },
    "field_too_long": {"nb": "Teksten er for lang.", "en": "The text is too long."},
    # Refusals, by domain code.
    "code_unknown": {"nb": "Det gikk ikke ({code}).", "en": "That did not work ({code})."},
    "code_agreement_in_future": {
        "nb": "Avtalen kan ikke være signert fram i tid.",
        "en": "The agreement cannot be signed in the future.",
    },
    "code_agreement_date_invalid": {"nb": "Skriv datoen som ÅÅÅÅ-MM-DD.", "en": "Write the date as YYYY-MM-DD."},
    "code_confirmation_required": {
        "nb": "Kryss av for å bekrefte.",
        "en": "Tick the box to confirm.",
    },
    "code_control_character": {
        "nb": "Et felt inneholder et tegn som ikke kan lagres (for eksempel tabulator eller linjeskift). Prøv igjen.",
        "en": "A field holds a character that cannot be stored (such as a tab or line break). Please try again.",
    },
    "code_validation": {"nb": "Noen felt må rettes.", "en": "Some fields need correcting."},
    "code_guardian_required": {
        "nb": "Låneren er under {age} år: fyll inn foresattes navn og kontaktinformasjon.",
        "en": "The patron is under {age}: fill in the guardian's name and contact details.",
    },
    "code_birth_date_in_future": {"nb": "Fødselsdatoen er fram i tid.", "en": "The date of birth is in the future."},
    "code_pin_format": {"nb": "PIN-koden må være nøyaktig 4 siffer.", "en": "The PIN must be exactly 4 digits."},
    "code_pin_too_simple": {
        "nb": "PIN-koden er for lett å gjette (en rekke eller gjentakelse). Velg en annen.",
        "en": "The PIN is too easy to guess (a run or repetition). Choose another.",
    },
    "code_pin_invalid": {"nb": "Feil lånekortnummer eller PIN-kode.", "en": "Wrong card number or PIN."},
    "code_pin_locked": {
        "nb": "Kortet er låst etter for mange feil PIN-koder. Sett en ny PIN-kode ved lånerens hjemmebibliotek.",
        "en": "The card is locked after too many wrong PINs. Set a new PIN at the patron's home library.",
    },
    "code_pin_attempts_throttled": {
        "nb": "For mange feil PIN-koder. Vent litt og prøv igjen.",
        "en": "Too many wrong PINs. Wait a little and try again.",
    },
    "code_pin_not_set": {"nb": "Kortet har ingen PIN-kode.", "en": "The card has no PIN."},
    "code_national_id_format": {"nb": "Et fødselsnummer er 11 siffer.", "en": "A national ID number is 11 digits."},
    "code_national_id_checksum": {
        "nb": "Kontrollsifrene i fødselsnummeret stemmer ikke; det er trolig skrevet feil.",
        "en": "The national ID number's check digits do not match; it is probably mistyped.",
    },
    "code_national_id_date": {
        "nb": "Fødselsnummeret har ikke en gyldig fødselsdato.",
        "en": "The national ID number does not hold a valid date of birth.",
    },
    "code_national_id_synthetic_not_allowed": {
        "nb": "Syntetiske testnumre godtas ikke her.",
        "en": "Synthetic test numbers are not accepted here.",
    },
    "code_national_id_birth_date_mismatch": {
        "nb": "Fødselsnummeret passer ikke med lånerens fødselsdato.",
        "en": "The national ID number does not match the patron's date of birth.",
    },
    "code_birth_date_and_gender_required": {
        "nb": "Fødselsnummeret (2032-reglene) viser ikke fødselsdato og kjønn: fyll dem inn fra legitimasjonen.",
        "en": "This national ID (2032 rules) shows neither birth date nor gender: enter them from the ID shown.",
    },
    "code_national_id_already_registered": {
        "nb": "Personen har allerede nasjonalt lånekort fra et annet bibliotek. Knytt kortet hit i stedet.",
        "en": "The person already has a national card from another library. Link that card here instead.",
    },
    "code_contact_method_unreachable": {
        "nb": "Den foretrukne kontaktmåten mangler opplysninger (e-post, telefon eller adresse).",
        "en": "The preferred contact method lacks its details (e-mail, phone or address).",
    },
    "code_institution_card_is_local": {
        "nb": "Institusjoner får bare lokalt lånekort.",
        "en": "Institutions get a local card only.",
    },
    "code_already_national": {
        "nb": "Låneren har allerede nasjonalt lånekort.",
        "en": "The patron already has a national card.",
    },
    "code_not_national_yet": {
        "nb": "Låneren har ikke nasjonalt lånekort (eller det er ennå ikke registrert).",
        "en": "The patron has no national card (or it is not registered yet).",
    },
    "code_national_pin_at_registry": {
        "nb": "Et nasjonalt kort har PIN-koden sin i registeret.",
        "en": "A national card keeps its PIN at the registry.",
    },
    "code_national_card_from_registry": {
        "nb": "Et nasjonalt kort erstattes gjennom registeret.",
        "en": "A national card is replaced through the registry.",
    },
    "code_patron_not_found": {"nb": "Fant ingen slik låner.", "en": "No such patron."},
    "code_card_replaced": {
        "nb": "Kortet er meldt tapt og erstattet med et nytt nummer.",
        "en": "This card was reported lost and replaced with a new number.",
    },
    "code_address_in_norway_required": {
        "nb": "Biblioteket gir lånekort bare til dem med fast adresse i Norge: skriv en norsk adresse med postnummer.",
        "en": "This library issues cards only to those with a fixed address in Norway: give a Norwegian address.",
    },
    "code_card_upgraded": {
        "nb": "Kortet er oppgradert til et nasjonalt lånekort; låneren har nå det nasjonale kortet.",
        "en": "This card was upgraded to a national card; the patron now has the national card.",
    },
    "code_card_erased": {
        "nb": "Kortets nasjonale oppføring er slettet (forespørsel om sletting eller dødsfall).",
        "en": "This card's national record was erased (a deletion request or a death notice).",
    },
    "code_card_opted_out": {
        "nb": "Låneren har byttet dette nasjonale kortet mot et lokalt lånekort.",
        "en": "The patron exchanged this national card for a local card.",
    },
    "code_card_unlinked": {
        "nb": "Kortet er ikke lenger knyttet til dette biblioteket.",
        "en": "This card is no longer associated with this library.",
    },
    "code_patron_presence_required": {
        "nb": "Låneren må være til stede og taste PIN-koden sin.",
        "en": "The patron must be present and type their PIN.",
    },
    "code_registry_unavailable": {
        "nb": "Det nasjonale registeret kan ikke nås akkurat nå. Prøv igjen om litt.",
        "en": "The national registry cannot be reached right now. Try again shortly.",
    },
    "code_lookup_rate_limited": {
        "nb": "For mange oppslag i registeret på kort tid. Vent litt og prøv igjen.",
        "en": "Too many registry look-ups in a short time. Wait a little and try again.",
    },
    "code_correction_conflict": {
        "nb": "Noen andre endret de samme opplysningene samtidig. Sjekk og rett på nytt.",
        "en": "Someone else changed the same details meanwhile. Check and correct again.",
    },
    "code_payload_expired": {
        "nb": "Registreringen ventet for lenge; fødselsnummer og PIN-kode er slettet. Registrer låneren på nytt.",
        "en": "The registration waited too long; the national ID and PIN were destroyed. Register the patron again.",
    },
    "code_version_mismatch": {
        "nb": "Posten ble endret samtidig. Prøv igjen.",
        "en": "The record changed meanwhile. Try again.",
    },
    "code_already_registered_here": {
        "nb": "Denne personen har allerede nasjonalt lånekort her.",
        "en": "This person already has a national card here.",
    },
}

add_texts(PATRON_TEXTS)
