"""The words of "Min side" in Norwegian bokmål and English, and how dates and money are written in each."""

from __future__ import annotations

from plumbing.web.language import LANGUAGES, Language

__all__ = ["LANGUAGES", "Language", "text"]

TEXTS: dict[str, dict[Language, str]] = {
    "site_title": {"nb": "Min side", "en": "My page"},
    "language": {"nb": "English", "en": "Norsk (bokmål)"},
    "skip": {"nb": "Hopp til innholdet", "en": "Skip to content"},
    # Logging in.
    "login_heading": {"nb": "Logg inn på Min side", "en": "Log in to My page"},
    "login_intro": {
        "nb": "Logg inn med lånekortnummer og PIN-kode for å se lånene, reservasjonene og gebyrene dine hos {library}.",
        "en": "Log in with your card number and PIN to see your loans, reservations and fees at {library}.",
    },
    "card_number": {"nb": "Lånekortnummer", "en": "Card number"},
    "new_card_link": {"nb": "Har du ikke lånekort? Få lånekort med ID-porten", "en": "No card? Get one with ID-porten"},
    "card_number_hint": {
        "nb": "10 siffer for nasjonalt lånekort, eller L og 8 siffer for lokalt lånekort.",
        "en": "10 digits for a national library card, or L and 8 digits for a local card.",
    },
    "pin": {"nb": "PIN-kode (4 siffer)", "en": "PIN (4 digits)"},
    "log_in": {"nb": "Logg inn", "en": "Log in"},
    "log_out": {"nb": "Logg ut", "en": "Log out"},
    "logged_out": {"nb": "Du er logget ut.", "en": "You are logged out."},
    "session_expired": {"nb": "Økten er utløpt. Logg inn igjen.", "en": "Your session has expired. Log in again."},
    "form_expired": {"nb": "Skjemaet er utløpt. Prøv igjen.", "en": "The form has expired. Please try again."},
    "missing_fields": {
        "nb": "Fyll inn både lånekortnummer og PIN-kode.",
        "en": "Fill in both your card number and your PIN.",
    },
    "card_format": {
        "nb": "Lånekortnummeret har 10 siffer (nasjonalt kort) eller L og 8 siffer (lokalt kort).",
        "en": "The card number is 10 digits (national card) or L and 8 digits (local card).",
    },
    "wrong_pin": {"nb": "Feil lånekortnummer eller PIN-kode.", "en": "Wrong card number or PIN."},
    "too_many_attempts": {
        "nb": "For mange innloggingsforsøk herfra. Vent {seconds} sekunder og prøv igjen.",
        "en": "Too many login attempts from here. Wait {seconds} seconds and try again.",
    },
    "throttled": {
        "nb": "For mange feil PIN-koder. Vent {seconds} sekunder og prøv igjen.",
        "en": "Too many wrong PINs. Wait {seconds} seconds and try again.",
    },
    "locked": {
        "nb": "Kortet er sperret etter for mange feil PIN-koder. Spør i skranken om en ny PIN-kode.",
        "en": "The card is locked after too many wrong PINs. Ask at the desk for a new PIN.",
    },
    "no_pin": {
        "nb": "Kortet har ingen PIN-kode ennå. Du får satt en i skranken.",
        "en": "This card has no PIN yet. The desk can set one for you.",
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
        "nb": "Dette kortet er slettet fra det nasjonale registeret. Spør i skranken om et nytt kort.",
        "en": "This card was erased from the national registry. Ask at the desk for a new card.",
    },
    "card_opted_out": {
        "nb": "Dette nasjonale kortet er byttet mot et lokalt lånekort. Bruk det lokale kortet.",
        "en": "This national card was exchanged for a local card. Use the local card.",
    },
    "card_unlinked": {
        "nb": "Dette kortet er ikke lenger knyttet til biblioteket. Spør i skranken.",
        "en": "This card is no longer associated with the library. Ask at the desk.",
    },
    "registry_unavailable": {
        "nb": "Nasjonale lånekort kan ikke sjekkes akkurat nå. Prøv igjen om litt.",
        "en": "National library cards cannot be checked right now. Please try again shortly.",
    },
    "login_failed": {
        "nb": "Innloggingen mislyktes. Spør i skranken hvis det skjer igjen.",
        "en": "Logging in failed. Ask at the desk if it happens again.",
    },
    # The overview.
    "overview": {"nb": "Lånene mine", "en": "My loans"},
    "greeting": {"nb": "Innlogget som {name}, lånekort {card}.", "en": "Logged in as {name}, card {card}."},
    "card_blocked": {
        "nb": "Kortet ditt er sperret for nye lån. Ta kontakt med biblioteket.",
        "en": "Your card is blocked for new loans. Please contact the library.",
    },
    "loans": {"nb": "Lån", "en": "Loans"},
    "no_loans": {"nb": "Du har ingen lån.", "en": "You have no loans."},
    "title": {"nb": "Tittel", "en": "Title"},
    "material": {"nb": "Type", "en": "Type"},
    "barcode": {"nb": "Strekkode", "en": "Barcode"},
    "checked_out_on": {"nb": "Lånt", "en": "Borrowed"},
    "due_on": {"nb": "Leveres innen", "en": "Due"},
    "renewals": {"nb": "Fornyet", "en": "Renewed"},
    "reminders": {"nb": "Purringer", "en": "Reminders"},
    "returned_on": {"nb": "Levert", "en": "Returned"},
    "not_returned": {"nb": "Ikke levert", "en": "Not returned"},
    "action": {"nb": "Handling", "en": "Action"},
    "renew": {"nb": "Forny «{title}»", "en": "Renew “{title}”"},
    "overdue": {"nb": "for sent", "en": "overdue"},
    "claimed": {"nb": "erstatningskrav sendt", "en": "replacement claimed"},
    "renewed": {"nb": "«{title}» er fornyet. Ny frist: {due}.", "en": "“{title}” is renewed. New due date: {due}."},
    "renewal_refused": {"nb": "«{title}» kan ikke fornyes: {reason}", "en": "“{title}” cannot be renewed: {reason}"},
    "renewal_changes_nothing": {
        "nb": "en fornyelse i dag ville gitt samme frist. Prøv igjen nærmere fristen.",
        "en": "renewing today would give the same due date. Try again nearer the due date.",
    },
    "renewal_limit_reached": {
        "nb": "lånet er fornyet så mange ganger som biblioteket tillater.",
        "en": "the loan has been renewed as many times as the library allows.",
    },
    "reserved_by_another": {
        "nb": "en annen låner har reservert det. Lever det innen fristen.",
        "en": "another patron has reserved it. Please return it by the due date.",
    },
    "someone_waiting": {
        "nb": "noen står i kø for det. Lever det innen fristen.",
        "en": "someone is waiting for it. Please return it by the due date.",
    },
    "not_renewable": {"nb": "denne typen materiale kan ikke fornyes.", "en": "this kind of item cannot be renewed."},
    "loan_claimed": {
        "nb": "det er sendt erstatningskrav for lånet. Ta kontakt med biblioteket.",
        "en": "a replacement has been claimed for this loan. Please contact the library.",
    },
    "loan_not_found": {
        "nb": "Fant ikke lånet. Det kan være levert.",
        "en": "The loan was not found; it may be returned.",
    },
    "reservations": {"nb": "Reservasjoner", "en": "Reservations"},
    "no_reservations": {"nb": "Du har ingen reservasjoner.", "en": "You have no reservations."},
    "status": {"nb": "Status", "en": "Status"},
    "placed_at": {"nb": "Reservert", "en": "Reserved"},
    "reference_number": {"nb": "Referansenummer", "en": "Reference number"},
    "pickup_deadline": {"nb": "Hentefrist", "en": "Pick up by"},
    "cancel": {"nb": "Avbestill «{title}»", "en": "Cancel “{title}”"},
    "cancelled": {
        "nb": "Reservasjonen av «{title}» er avbestilt.",
        "en": "Your reservation of “{title}” is cancelled.",
    },
    "reservation_not_found": {
        "nb": "Fant ikke reservasjonen. Den kan være hentet eller avsluttet.",
        "en": "The reservation was not found; it may be collected or closed.",
    },
    "reservation_closed": {"nb": "Reservasjonen er allerede avsluttet.", "en": "The reservation is already closed."},
    "reservation_waiting": {"nb": "I kø", "en": "Waiting in the queue"},
    "reservation_ready": {"nb": "Klar til henting", "en": "Ready for pickup"},
    "reservation_collected": {"nb": "Hentet", "en": "Collected"},
    "reservation_expired": {"nb": "Ikke hentet innen fristen", "en": "Not collected in time"},
    "reservation_cancelled": {"nb": "Avbestilt", "en": "Cancelled"},
    "fees": {"nb": "Gebyrer", "en": "Fees"},
    "no_fees": {"nb": "Du har ingen ubetalte gebyrer.", "en": "You have no unpaid fees."},
    "no_fees_at_all": {"nb": "Ingen gebyrer.", "en": "No fees."},
    "fees_total": {"nb": "Til sammen ubetalt: {amount}", "en": "Unpaid in total: {amount}"},
    "fee_kind": {"nb": "Gebyr", "en": "Fee"},
    "charged_on": {"nb": "Dato", "en": "Date"},
    "amount": {"nb": "Beløp", "en": "Amount"},
    "fee_reminder": {"nb": "Purregebyr (purring {number})", "en": "Reminder fee (reminder {number})"},
    "fee_replacement": {"nb": "Erstatning", "en": "Replacement"},
    "fee_new_card": {"nb": "Nytt lånekort", "en": "New library card"},
    "open": {"nb": "Ubetalt", "en": "Unpaid"},
    "paid": {"nb": "Betalt", "en": "Paid"},
    "waived": {"nb": "Frafalt", "en": "Waived"},
    "refunded": {"nb": "Refundert", "en": "Refunded"},
    "my_data_link": {"nb": "Se alt biblioteket lagrer om deg", "en": "See everything the library stores about you"},
    "nav": {"nb": "Min side", "en": "My page"},
    "back": {"nb": "Tilbake til lånene mine", "en": "Back to my loans"},
    "bad_request": {"nb": "Det du ba om finnes ikke.", "en": "What you asked for does not exist."},
    # The node's insight ("my data here").
    "my_data": {"nb": "Dette lagrer {library} om deg", "en": "This is what {library} stores about you"},
    "my_data_intro": {
        "nb": "Lån, reservasjoner, gebyrer og varsler lagres bare hos dette biblioteket og sendes aldri til det "
        "nasjonale registeret. Feil i opplysningene? Spør i skranken.",
        "en": "Loans, reservations, fees and notices are kept only at this library and are never sent to the "
        "national registry. Something wrong? Ask at the desk.",
    },
    "record": {"nb": "Låneropplysninger", "en": "Your patron record"},
    "field": {"nb": "Opplysning", "en": "Field"},
    "value": {"nb": "Verdi", "en": "Value"},
    "kind": {"nb": "Korttype", "en": "Kind of card"},
    "kind_national": {"nb": "Nasjonalt lånekort", "en": "National library card"},
    "kind_local": {
        "nb": "Lokalt lånekort (bare dette biblioteket; ingenting lagres sentralt)",
        "en": "Local card (this library only; nothing is stored centrally)",
    },
    "kind_institution": {"nb": "Institusjonskort (lokalt)", "en": "Institution card (local)"},
    "name": {"nb": "Navn", "en": "Name"},
    "birth_date": {"nb": "Fødselsdato", "en": "Date of birth"},
    "responsible_person": {"nb": "Ansvarlig person", "en": "Responsible person"},
    "guardian_name": {"nb": "Foresatt", "en": "Guardian"},
    "guardian_contact": {"nb": "Foresattes kontaktinformasjon", "en": "Guardian's contact details"},
    "email": {"nb": "E-post", "en": "E-mail"},
    "phone": {"nb": "Telefon", "en": "Phone"},
    "postal_address": {"nb": "Postadresse", "en": "Postal address"},
    "preferred_contact": {"nb": "Foretrukket kontaktmåte", "en": "Preferred contact method"},
    "channel_letter": {"nb": "Brev", "en": "Letter"},
    "channel_email": {"nb": "E-post", "en": "E-mail"},
    "channel_sms": {"nb": "SMS", "en": "SMS"},
    "pre_due_notice": {"nb": "Varsel før forfall", "en": "Notice before the due date"},
    "choices": {"nb": "Dine valg", "en": "Your choices"},
    "choose_pre_due_notice": {
        "nb": "Send meg e-post {days} dager før innleveringsfristen",
        "en": "E-mail me {days} days before the due date",
    },
    "save_choices": {"nb": "Lagre valgene", "en": "Save my choices"},
    "nothing_chosen": {"nb": "Ingenting å lagre.", "en": "Nothing to save."},
    "choices_saved": {"nb": "Valgene dine er lagret.", "en": "Your choices are saved."},
    "contact_method_unreachable": {
        "nb": "Vi har ingen adresse for den kontaktmåten. Be biblioteket legge den inn først.",
        "en": "We have no address for that contact method. Ask the library to add it first.",
    },
    "yes": {"nb": "Ja", "en": "Yes"},
    "no": {"nb": "Nei", "en": "No"},
    "pin_stored": {
        "nb": "Lagret som kryptografisk hash (kan ikke leses)",
        "en": "Stored as a cryptographic hash (unreadable)",
    },
    "pin_stored_centrally": {
        "nb": "Lagres i det nasjonale registeret, ikke her",
        "en": "Kept by the national registry, not here",
    },
    "pin_missing": {"nb": "Ikke satt", "en": "Not set"},
    "failed_pin_attempts": {"nb": "Feil PIN-koder på rad i skranken", "en": "Wrong PINs in a row at the desk"},
    "online_failed_pin_attempts": {"nb": "Feil PIN-koder på rad på Min side", "en": "Wrong PINs in a row on Min side"},
    "pin_last_failed_at": {"nb": "Siste feil PIN-kode", "en": "Last wrong PIN"},
    "blocked": {"nb": "Sperret for lån", "en": "Blocked for loans"},
    "blocked_reminders": {"nb": "Ja, etter purringer", "en": "Yes, after reminders"},
    "blocked_staff": {"nb": "Ja, av biblioteket", "en": "Yes, by the library"},
    "registry_patron_id": {"nb": "Nøkkel i det nasjonale registeret", "en": "Key in the national registry"},
    "created_at": {"nb": "Registrert her", "en": "Registered here"},
    "updated_at": {"nb": "Sist endret", "en": "Last changed"},
    "retired_cards": {"nb": "Tidligere kort", "en": "Earlier cards"},
    "retired_card_replaced": {"nb": "meldt tapt og erstattet", "en": "reported lost and replaced"},
    "retired_card_upgraded": {"nb": "oppgradert til nasjonalt lånekort", "en": "upgraded to a national card"},
    "retired_card_erased": {"nb": "slettet fra det nasjonale registeret", "en": "erased from the national registry"},
    "retired_card_opted_out": {"nb": "byttet mot lokalt lånekort", "en": "exchanged for a local card"},
    "retired_card_unlinked": {
        "nb": "ikke lenger knyttet til biblioteket",
        "en": "no longer associated with the library",
    },
    "none": {"nb": "Ingen", "en": "None"},
    "national_id_not_here": {
        "nb": "Fødselsnummeret ditt lagres ikke hos biblioteket.",
        "en": "Your national ID number is not stored at the library.",
    },
    "loan_history": {"nb": "Alle lån, også leverte", "en": "All loans, including returned ones"},
    "all_reservations": {"nb": "Alle reservasjoner", "en": "All reservations"},
    "all_fees": {"nb": "Alle gebyrer", "en": "All fees"},
    "notices": {"nb": "Varsler vi har sendt eller skal sende", "en": "Notices sent or queued"},
    "no_notices": {"nb": "Ingen varsler.", "en": "No notices."},
    "door_entries": {"nb": "Innlogginger på døren i meråpen tid", "en": "Door log-ins in unstaffed hours"},
    "door_entries_kept": {
        "nb": "Vi tar vare på hvem som logget seg inn i {days} dager. Deretter sletter vi det og teller bare antall.",
        "en": "We keep who logged in for {days} days. After that it is deleted and only counted.",
    },
    "no_door_entries": {"nb": "Ingen innlogginger på døren.", "en": "No door log-ins."},
    "door": {"nb": "Dør", "en": "Door"},
    "door_time": {"nb": "Tidspunkt", "en": "Time"},
    "door_outcome": {"nb": "Svar", "en": "Answer"},
    "notice_kind": {"nb": "Varsel", "en": "Notice"},
    "channel": {"nb": "Kanal", "en": "Channel"},
    "content": {"nb": "Innhold", "en": "Content"},
    "created": {"nb": "Laget", "en": "Created"},
    "sent_at": {"nb": "Sendt", "en": "Sent"},
    "not_sent": {"nb": "Ikke sendt ennå", "en": "Not sent yet"},
    "notice_pre_due": {"nb": "Varsel før forfall", "en": "Notice before the due date"},
    "notice_reminder": {"nb": "Purring", "en": "Reminder"},
    "notice_pickup": {"nb": "Hentemelding", "en": "Pickup notice"},
    "notice_claim": {"nb": "Erstatningskrav", "en": "Replacement claim"},
    "notice_receipt": {"nb": "Lånekvittering", "en": "Loan receipt"},
    "registry_heading": {"nb": "Det nasjonale registeret", "en": "The national registry"},
    "registry_text": {
        "nb": "Det nasjonale lånekortregisteret lagrer kontaktopplysningene dine, PIN-koden og hvilke bibliotek du "
        "er knyttet til. Der kan du også be om sletting.",
        "en": "The national library card registry keeps your contact details, your PIN and which libraries you "
        "are associated with. There you can also ask for deletion.",
    },
    "registry_link": {
        "nb": "Se hva det nasjonale registeret lagrer om deg",
        "en": "See what the national registry stores about you",
    },
    "interlibrary_link": {
        "nb": "Bestill fra andre bibliotek og følg bestillingene dine",
        "en": "Order from other libraries and follow your requests",
    },
    "local_only_text": {
        "nb": "Du har et lokalt lånekort. Ingenting om deg er lagret i det nasjonale registeret.",
        "en": "You have a local card. Nothing about you is stored in the national registry.",
    },
    # All my loans: every library the patron is linked to (local_library/federation/elsewhere.py).
    "everywhere": {"nb": "Alle lånene mine", "en": "All my loans"},
    "everywhere_link": {
        "nb": "Se lån, reservasjoner og gebyrer hos alle bibliotekene dine",
        "en": "See loans, reservations and fees at all your libraries",
    },
    "everywhere_intro": {
        "nb": "Hvert bibliotek svarer selv, på dine vegne, akkurat nå. Ingenting av dette lagres her.",
        "en": "Each library answers for itself, on your behalf, right now. None of this is stored here.",
    },
    "everywhere_local_card": {
        "nb": "Med et lokalt lånekort har du lån bare hos dette biblioteket.",
        "en": "With a local card you have loans at this library only.",
    },
    "everywhere_registry_away": {
        "nb": "Det nasjonale registeret svarer ikke nå, så de andre bibliotekene dine kan ikke spørres. "
        "Prøv igjen senere.",
        "en": "The national registry is not answering now, so your other libraries cannot be asked. Try again later.",
    },
    "library_answered": {"nb": "Svarte nå.", "en": "Answered just now."},
    "library_not_reachable": {
        "nb": "Biblioteket kan ikke nås nå. Prøv igjen senere.",
        "en": "The library cannot be reached now. Try again later.",
    },
    "library_timed_out": {
        "nb": "Biblioteket svarte ikke i tide. Prøv igjen senere.",
        "en": "The library did not answer in time. Try again later.",
    },
    "library_failed": {
        "nb": "Biblioteket svarte med en feil. Prøv igjen senere.",
        "en": "The library answered with an error. Try again later.",
    },
    "this_library": {"nb": "{library} (dette biblioteket)", "en": "{library} (this library)"},
    "renewed_at": {
        "nb": "«{title}» er fornyet hos {library}. Ny frist: {due}.",
        "en": "“{title}” is renewed at {library}. New due date: {due}.",
    },
    "renewal_refused_at": {
        "nb": "{library} fornyet ikke lånet: {reason}",
        "en": "{library} did not renew the loan: {reason}",
    },
    "renewal_not_possible_now": {
        "nb": "{library} kan ikke nås nå, så lånet er ikke fornyet. Prøv igjen senere.",
        "en": "{library} cannot be reached now, so the loan is not renewed. Try again later.",
    },
}


def text(key: str, language: Language, **values: object) -> str:
    return TEXTS[key][language].format(**values)
