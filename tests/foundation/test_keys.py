"""`natreg keys`: complete, private, never overwritten, and revocable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from natreg.cli import main
from plumbing.keys.files import KeyMaterialError
from plumbing.keys.layout import DATA_KEY_NAMES, KeyLayout
from plumbing.keys.pki import add_library, init_keys, load_library_entries, revoke_library, revoked_serials


def _all_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_init_creates_every_piece_with_private_modes(tmp_path: Path) -> None:
    root = tmp_path / "keys"
    assert main(["keys", "init", "--keys-dir", str(root), "--library", "asker", "--library", "sandnes"]) == 0
    layout = KeyLayout(root)
    expected = [
        layout.ca_key,
        layout.ca_certificate,
        layout.crl,
        layout.registry_server_key,
        layout.registry_server_certificate,
        layout.library_registry,
        layout.kek(1),
        *(layout.data_key(name) for name in DATA_KEY_NAMES),
    ]
    for library_id in ("asker", "sandnes"):
        expected += [
            layout.library_client_key(library_id), layout.library_client_certificate(library_id),
            layout.library_credential(library_id), layout.library_server_key(library_id),
            layout.library_server_certificate(library_id),
        ]  # fmt: skip
    for path in expected:
        assert path.is_file(), path
    for path in _all_files(root):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for directory in [path for path in root.rglob("*") if path.is_dir()]:
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory


def test_certificates_are_p256_with_the_server_names(tmp_path: Path) -> None:
    init_keys(tmp_path, ["asker"], server_names=["registry.example"])
    layout = KeyLayout(tmp_path)
    server = x509.load_pem_x509_certificate(layout.registry_server_certificate.read_bytes())
    public_key = server.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "registry.example"} <= set(names.get_values_for_type(x509.DNSName))
    assert {str(address) for address in names.get_values_for_type(x509.IPAddress)} >= {"127.0.0.1"}
    client = x509.load_pem_x509_certificate(layout.library_client_certificate("asker").read_bytes())
    assert client.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "asker"


def test_running_init_again_changes_nothing(tmp_path: Path) -> None:
    init_keys(tmp_path, ["asker"])
    before = {path: path.read_bytes() for path in _all_files(tmp_path)}
    assert init_keys(tmp_path, ["asker"]) == []
    assert {path: path.read_bytes() for path in _all_files(tmp_path)} == before


def test_a_library_with_keys_is_not_reissued(tmp_path: Path) -> None:
    init_keys(tmp_path, ["asker"])
    credential = KeyLayout(tmp_path).library_credential("asker").read_bytes()
    with pytest.raises(KeyMaterialError, match="revoke it first"):
        add_library(tmp_path, "asker")
    assert KeyLayout(tmp_path).library_credential("asker").read_bytes() == credential


def test_revocation_lists_the_serial_and_reissue_gets_new_keys(tmp_path: Path) -> None:
    init_keys(tmp_path, ["asker"])
    layout = KeyLayout(tmp_path)
    old_serial = load_library_entries(layout)["asker"].certificate_serial
    assert main(["keys", "revoke", "asker", "--keys-dir", str(tmp_path)]) == 0
    assert old_serial in revoked_serials(layout)
    assert load_library_entries(layout)["asker"].revoked
    add_library(tmp_path, "asker")
    entry = load_library_entries(layout)["asker"]
    assert not entry.revoked
    assert entry.certificate_serial != old_serial
    assert old_serial in revoked_serials(layout)


def test_reissue_keeps_the_nodes_own_keys(tmp_path: Path) -> None:
    init_keys(tmp_path, ["asker"])
    layout = KeyLayout(tmp_path)
    pepper = layout.library_dir("asker") / "pin-pepper.key"
    pepper.write_bytes(b"the node's pepper\n")
    old_credential = layout.library_credential("asker").read_bytes()
    revoke_library(tmp_path, "asker")
    add_library(tmp_path, "asker")
    assert pepper.read_bytes() == b"the node's pepper\n"
    assert layout.library_credential("asker").read_bytes() != old_credential


def test_revoking_an_unknown_library_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init_keys(tmp_path)
    assert main(["keys", "revoke", "nowhere", "--keys-dir", str(tmp_path)]) == 2
    assert "unknown library" in capsys.readouterr().err
    with pytest.raises(KeyMaterialError):
        revoke_library(tmp_path, "nowhere")


@pytest.mark.parametrize("library_id", ["A", "x", "has space", "../escape", "a" * 40])
def test_library_ids_are_checked(tmp_path: Path, library_id: str) -> None:
    init_keys(tmp_path)
    with pytest.raises(KeyMaterialError, match="library id"):
        add_library(tmp_path, library_id)


def test_new_key_encryption_key_versions_count_up(tmp_path: Path) -> None:
    init_keys(tmp_path)
    assert main(["keys", "new-kek", "--keys-dir", str(tmp_path)]) == 0
    assert KeyLayout(tmp_path).kek(2).is_file()
    assert KeyLayout(tmp_path).kek(1).is_file()
