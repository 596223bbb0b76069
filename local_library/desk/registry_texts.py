"""The registry status page's words (nb/en), added to the desk's table (``texts.add_texts``)."""

from __future__ import annotations

from .texts import Words

REGISTRY_TEXTS: dict[str, Words] = {
    "registry_heading": {"nb": "Status mot det nasjonale registeret", "en": "National registry status"},
    "registry_reachable": {
        "nb": "Registeret svarer. Dette biblioteket er kjent der som «{library_id}».",
        "en": "The registry answers. It knows this library as “{library_id}”.",
    },
    "registry_unreachable": {
        "nb": "Registeret kan ikke nås akkurat nå ({reason}). Endringer venter i køen og sendes når det svarer igjen.",
        "en": "The registry cannot be reached right now ({reason}). Changes wait in the queue and go when it answers.",
    },
    "waiting_for_staff": {"nb": "Avvist: venter på de ansatte", "en": "Refused: waiting for staff"},
    "none_waiting": {"nb": "Ingen endringer venter på de ansatte.", "en": "No changes wait for staff."},
    "queued": {"nb": "I kø til registeret", "en": "Queued for the registry"},
    "none_queued": {"nb": "Ingenting i kø.", "en": "Nothing queued."},
    "recent": {"nb": "Ferdig siste døgn", "en": "Done in the last day"},
    "none_recent": {"nb": "Ingenting det siste døgnet.", "en": "Nothing in the last day."},
    "entry": {"nb": "Nr.", "en": "No."},
    "operation": {"nb": "Endring", "en": "Change"},
    "patron": {"nb": "Låner", "en": "Patron"},
    "patron_gone": {"nb": "(slettet her)", "en": "(removed here)"},
    "created": {"nb": "Lagt i kø", "en": "Queued"},
    "attempts": {"nb": "Forsøk", "en": "Attempts"},
    "next_attempt": {"nb": "Neste forsøk", "en": "Next attempt"},
    "reason": {"nb": "Årsak", "en": "Reason"},
    "finished": {"nb": "Ferdig", "en": "Finished"},
    "outcome": {"nb": "Utfall", "en": "Outcome"},
    "outbox_delivered": {"nb": "Levert", "en": "Delivered"},
    "outbox_discarded": {"nb": "Forkastet", "en": "Discarded"},
    "retry": {"nb": "Send igjen", "en": "Retry"},
    "discard": {"nb": "Forkast", "en": "Discard"},
    "admin_only": {"nb": "Bare administrator", "en": "Admin only"},
    "discard_confirm_heading": {"nb": "Forkaste endring nr. {id}?", "en": "Discard change no. {id}?"},
    "discard_confirm_text": {
        "nb": "Registeret får aldri denne endringen ({operation} for {patron}), og dataene i den slettes. "
        "Endringen må gjøres på nytt i skranken om den fortsatt trengs.",
        "en": "The registry will never get this change ({operation} for {patron}), and its data is destroyed. "
        "Do it again at the desk if it is still needed.",
    },
    "discard_confirm": {"nb": "Ja, forkast", "en": "Yes, discard"},
    "done_retry": {"nb": "Endring nr. {id} sendes igjen.", "en": "Change no. {id} will be sent again."},
    "done_discard": {"nb": "Endring nr. {id} er forkastet.", "en": "Change no. {id} is discarded."},
    "outbox_refused": {"nb": "Ikke gjort: {reason}", "en": "Not done: {reason}"},
    # What each change is.
    "status_op_register": {"nb": "Registrering", "en": "Registration"},
    "status_op_update_contact": {"nb": "Endret kontaktinformasjon", "en": "Contact details changed"},
    "status_op_opt_out": {"nb": "Overgang til lokalt kort", "en": "Opt-out to a local card"},
    "status_op_deletion_request": {"nb": "Sletteanmodning", "en": "Deletion request"},
    "status_op_death_notice": {"nb": "Melding om dødsfall", "en": "Death notice"},
    "status_op_lost_card": {"nb": "Tapt kort", "en": "Lost card"},
    "status_op_change_pin": {"nb": "Ny PIN-kode", "en": "New PIN"},
    # Why a change waits (the registry's or the node's code, in words).
    "status_code_registry_unavailable": {"nb": "registeret svarte ikke", "en": "the registry did not answer"},
    "status_code_delivery_error": {"nb": "sendingen feilet", "en": "the delivery failed"},
    "status_code_already_registered_here": {
        "nb": "låneren er allerede registrert nasjonalt fra dette biblioteket",
        "en": "the patron is already registered nationally from this library",
    },
    "status_code_correction_conflict": {
        "nb": "registeret har nyere opplysninger enn endringen bygger på",
        "en": "the registry holds newer details than the change was based on",
    },
    "status_code_payload_missing": {"nb": "dataene i endringen er borte", "en": "the change's data is gone"},
    "status_code_payload_unreadable": {
        "nb": "dataene i endringen kan ikke leses (nøkkelen er byttet)",
        "en": "the change's data cannot be read (the key was replaced)",
    },
    "status_code_outbox_payload_gone": {
        "nb": "dataene i endringen er slettet: forkast den og gjør endringen på nytt i skranken",
        "en": "the change's data was destroyed: discard it and do the change again at the desk",
    },
    "status_code_outbox_entry_not_waiting": {
        "nb": "endringen venter ikke lenger på de ansatte",
        "en": "the change no longer waits for staff",
    },
    "status_code_outbox_entry_not_found": {"nb": "endringen finnes ikke", "en": "there is no such change"},
    "status_code_patron_not_found": {
        "nb": "registeret kjenner ikke låneren",
        "en": "the registry does not know the patron",
    },
    "status_code_validation_error": {
        "nb": "registeret godtok ikke opplysningene",
        "en": "the registry did not accept the details",
    },
    "status_code_national_id_taken": {
        "nb": "fødselsnummeret er allerede registrert",
        "en": "the national ID is already registered",
    },
    "status_code_rate_limited": {"nb": "registeret ba oss vente", "en": "the registry asked us to wait"},
    "status_code_other": {
        "nb": "registeret avviste endringen (kode {code})",
        "en": "the registry refused it (code {code})",
    },
}
