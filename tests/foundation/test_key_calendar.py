"""Key material on a calendar: short-lived CRL re-signed on demand, certificates under 398 days, renewal."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
from cryptography import x509

from natreg.cli import main
from plumbing.keys import files, pki
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import (
    certificate_files,
    crl_next_update,
    init_keys,
    load_library_entries,
    refresh_crl,
    renew_certificates,
    revoke_library,
    revoked_serials,
)

MAX_LEAF_DAYS = 398


def _certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _crl(layout: KeyLayout) -> x509.CertificateRevocationList:
    return x509.load_pem_x509_crl(layout.crl.read_bytes())


def _leaf_certificates(layout: KeyLayout, libraries: tuple[str, ...]) -> list[Path]:
    paths = [layout.registry_server_certificate]
    for library_id in libraries:
        paths += [layout.library_client_certificate(library_id), layout.library_server_certificate(library_id)]
    return paths


def test_leaf_certificates_last_at_most_398_days_and_name_the_crl(tmp_path: Path) -> None:
    root = tmp_path / "keys"
    url = "http://registry.example:8080/crl"
    assert main(["keys", "init", "--keys-dir", str(root), "--library", "asker", "--crl-url", url]) == 0
    layout = KeyLayout(root)
    for path in _leaf_certificates(layout, ("asker",)):
        certificate = _certificate(path)
        lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
        assert lifetime <= dt.timedelta(days=MAX_LEAF_DAYS), path
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        assert [name.value for point in points for name in point.full_name or []] == [url], path


def test_the_crl_is_short_lived_and_refresh_keeps_revocations(tmp_path: Path) -> None:
    init_keys(tmp_path, ["asker", "sandnes"])
    layout = KeyLayout(tmp_path)
    first = crl_next_update(layout)
    assert first is not None
    assert first - dt.datetime.now(dt.UTC) <= dt.timedelta(days=8)
    revoke_library(tmp_path, "sandnes")
    revoked = revoked_serials(layout)
    revoked_at = {entry.serial_number: entry.revocation_date_utc for entry in _crl(layout)}
    assert main(["keys", "refresh-crl", "--keys-dir", str(tmp_path)]) == 0
    crl = _crl(layout)
    assert revoked_serials(layout) == revoked
    # A re-signed CRL keeps each revocation's date and counts up its number.
    assert {entry.serial_number: entry.revocation_date_utc for entry in crl} == revoked_at
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number >= 3
    assert stat.S_IMODE(layout.crl.stat().st_mode) == 0o600


def test_refresh_only_when_expiring_leaves_a_fresh_crl_alone(tmp_path: Path) -> None:
    init_keys(tmp_path, [])
    layout = KeyLayout(tmp_path)
    before = layout.crl.read_bytes()
    assert refresh_crl(tmp_path, if_expiring_within=dt.timedelta(days=2)) is None
    assert layout.crl.read_bytes() == before
    # One that runs out within the window is re-signed for a full period.
    pki._write_crl(layout, (), validity=dt.timedelta(hours=3))
    next_update = refresh_crl(tmp_path, if_expiring_within=dt.timedelta(days=2))
    assert next_update is not None
    assert next_update - dt.datetime.now(dt.UTC) > dt.timedelta(days=6)


def test_renew_reissues_expiring_certificates_with_the_same_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as short:
        short.setattr(pki, "LEAF_VALIDITY", dt.timedelta(days=10))
        init_keys(tmp_path, ["asker", "sandnes"])
    revoke_library(tmp_path, "sandnes")
    layout = KeyLayout(tmp_path)
    old_client = _certificate(layout.library_client_certificate("asker"))
    old_key = layout.library_client_key("asker").read_bytes()
    assert main(["keys", "renew", "--keys-dir", str(tmp_path), "--within-days", "5"]) == 0
    assert _certificate(layout.library_client_certificate("asker")).serial_number == old_client.serial_number
    assert main(["keys", "renew", "--keys-dir", str(tmp_path), "--within-days", "30"]) == 0
    new_client = _certificate(layout.library_client_certificate("asker"))
    assert new_client.serial_number != old_client.serial_number
    assert new_client.not_valid_after_utc - dt.datetime.now(dt.UTC) > dt.timedelta(days=300)
    assert new_client.public_key() == old_client.public_key()
    assert layout.library_client_key("asker").read_bytes() == old_key
    assert new_client.subject == old_client.subject
    server = _certificate(layout.registry_server_certificate)
    assert server.not_valid_after_utc - dt.datetime.now(dt.UTC) > dt.timedelta(days=300)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    entry = load_library_entries(layout)["asker"]
    assert entry.certificate_serial == new_client.serial_number
    assert entry.earlier_serials == (old_client.serial_number,)
    # A revoked library is not renewed, and revoking a renewed one puts both its certificates on the CRL.
    assert _certificate(layout.library_client_certificate("sandnes")).not_valid_after_utc < server.not_valid_after_utc
    revoke_library(tmp_path, "asker")
    assert {old_client.serial_number, new_client.serial_number} <= revoked_serials(layout)
    assert renew_certificates(tmp_path) == []


def test_expiries_are_known_for_libraries_whose_files_are_elsewhere(tmp_path: Path) -> None:
    init_keys(tmp_path, ["asker", "sandnes"])
    layout = KeyLayout(tmp_path)
    asker_until = _certificate(layout.library_client_certificate("asker")).not_valid_after_utc
    revoke_library(tmp_path, "sandnes")
    # A registry host holds no library's folder in production.
    for library_id in ("asker", "sandnes"):
        for path in layout.library_dir(library_id).iterdir():
            path.unlink()
    expiries = {certificate.what: certificate.not_after for certificate in certificate_files(layout)}
    assert expiries["library asker client"] == asker_until
    assert not any("sandnes" in what for what in expiries)
    assert {"CA", "registry server"} <= expiries.keys()


def test_key_files_appear_whole_never_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry watching the key folder must never find a KEK file before all of it is on disk."""
    target = tmp_path / "data" / "kek-v2.key"
    seen_while_syncing: list[bool] = []
    real_fsync = os.fsync

    def watching_fsync(fd: int) -> None:
        if not seen_while_syncing:
            seen_while_syncing.append(target.exists())
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", watching_fsync)
    files.new_data_key_file(target)
    assert seen_while_syncing == [False]
    assert len(files.read_data_key_file(target)) == files.DATA_KEY_BYTES
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [path.name for path in target.parent.iterdir()] == ["kek-v2.key"]
    with pytest.raises(files.KeyMaterialError, match="already exists"):
        files.new_data_key_file(target)
