"""Golden vectors for the SIP2 codec, written from the specification and checked against pysip2."""

from __future__ import annotations

import pysip2

from local_library.sip2.codec import Message, checksum, checksum_ok, clean_frame, decode, encode, has_error_detection


def test_checksums_of_the_known_vectors() -> None:
    assert checksum(b"97AZ") == "FEF5"
    assert checksum(b"96AZ") == "FEF6"
    frame = b"09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZ"
    assert checksum(frame) == "EB80"
    assert checksum_ok(frame + b"EB80")
    assert not checksum_ok(frame + b"EB81")


def test_the_checksum_covers_encoded_bytes_not_characters() -> None:
    message = Message(
        "24",
        "YYYY          00020250303    100000",
        [("AO", "asker"), ("AA", "L1"), ("AE", "Åse Ørn"), ("BL", "Y")],
        sequence="3",
    )
    cp850, utf8 = encode(message, "cp850", error_detection=True), encode(message, "utf-8", error_detection=True)
    assert cp850 != utf8
    for frame, encoding in ((cp850, "cp850"), (utf8, "utf-8")):
        assert checksum_ok(frame)
        decoded = pysip2.decode_message(frame + b"\r", encoding=encoding)
        assert decoded.message.personal_name == "Åse Ørn"
        assert decoded.sequence_number == 3


def test_framing_accepts_what_real_terminals_send() -> None:
    assert clean_frame(b"\n\x009300CNa|COb|\r") == b"9300CNa|COb|"
    assert has_error_detection(b"9300CNa|COb|AY1AZFAF0")
    message = decode(b"9300CNkiosk|COpw|CPdesk|AY1AZFAF0", "cp850")
    assert (message.command, message.fixed, message.get("CN"), message.get("CP"), message.sequence) == (
        "93", "00", "kiosk", "desk", "1"
    )  # fmt: skip


def test_field_values_cannot_break_the_frame() -> None:
    frame = encode(Message("36", "Y20250303    100000", [("AF", "a|b\rc")]), "cp850", error_detection=False)
    assert frame == b"36Y20250303    100000AFa/b c|"
