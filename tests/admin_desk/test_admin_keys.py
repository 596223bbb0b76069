"""`natreg keys add-admin | revoke-admin | add-library --name | name-library`: the files they write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from natreg.cli import main
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import (
    KeyMaterialError,
    display_names,
    init_keys,
    load_administrator_entries,
    load_library_entries,
    revoked_serials,
)


def test_add_admin_prints_the_password_once_and_refuses_a_second_certificate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init_keys(tmp_path)
    layout = KeyLayout(tmp_path)
    assert main(["keys", "add-admin", "kari", "--keys-dir", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    password = layout.administrator_pkcs12_password("kari").read_text().strip()
    assert password in output
    assert str(layout.administrator_pkcs12("kari")) in output
    assert main(["keys", "add-admin", "kari", "--keys-dir", str(tmp_path)]) == 2
    assert "already has a certificate" in capsys.readouterr().err
    assert main(["keys", "add-admin", "Kari Nordmann", "--keys-dir", str(tmp_path)]) == 2
    # Administrators are never in the library list, and libraries never in the administrators' list.
    assert load_library_entries(layout) == {}
    assert set(load_administrator_entries(layout)) == {"kari"}


def test_revoke_admin_puts_the_serial_on_the_crl_and_allows_a_new_certificate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init_keys(tmp_path)
    layout = KeyLayout(tmp_path)
    assert main(["keys", "add-admin", "kari", "--keys-dir", str(tmp_path)]) == 0
    first = load_administrator_entries(layout)["kari"].certificate_serial
    assert main(["keys", "revoke-admin", "kari", "--keys-dir", str(tmp_path)]) == 0
    assert first in revoked_serials(layout)
    assert load_administrator_entries(layout)["kari"].revoked
    assert main(["keys", "add-admin", "kari", "--keys-dir", str(tmp_path)]) == 0
    second = load_administrator_entries(layout)["kari"]
    assert (second.revoked, second.certificate_serial != first) == (False, True)
    assert [path.name for path in (tmp_path / "admins").iterdir() if path.name.startswith("kari.revoked-")]
    assert main(["keys", "revoke-admin", "nobody", "--keys-dir", str(tmp_path)]) == 2
    capsys.readouterr()


def test_library_names_are_kept_through_a_reissue_and_can_be_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init_keys(tmp_path, ["asker"])
    layout = KeyLayout(tmp_path)
    assert load_library_entries(layout)["asker"].display_name("en") == "asker"  # `keys init`: known by its id
    command = ["keys", "add-library", "lillestrom", "--keys-dir", str(tmp_path)]
    assert main([*command, "--name", "Lillestrøm bibliotek", "--name-en", "Lillestrøm Library"]) == 0
    entry = load_library_entries(layout)["lillestrom"]
    assert (entry.display_name("nb"), entry.display_name("en")) == ("Lillestrøm bibliotek", "Lillestrøm Library")
    assert main(["keys", "revoke", "lillestrom", "--keys-dir", str(tmp_path)]) == 0
    assert main(command) == 0
    assert load_library_entries(layout)["lillestrom"].display_name("en") == "Lillestrøm Library"
    assert main(["keys", "name-library", "asker", "--name", "Asker bibliotek", "--keys-dir", str(tmp_path)]) == 0
    assert load_library_entries(layout)["asker"].display_name("en") == "Asker bibliotek"  # one name for all
    capsys.readouterr()


def test_a_library_list_written_before_names_existed_still_loads(tmp_path: Path) -> None:
    init_keys(tmp_path, ["asker"])
    layout = KeyLayout(tmp_path)
    document = json.loads(layout.library_registry.read_text())
    del document["libraries"]["asker"]["name"]
    layout.library_registry.write_text(json.dumps(document))
    assert load_library_entries(layout)["asker"].display_name() == "asker"


@pytest.mark.parametrize("bad", ["x" * 81, "Asker\nbibliotek", "Asker\x1bbibliotek"])
def test_a_library_name_must_be_printable_and_short(bad: str) -> None:
    with pytest.raises(KeyMaterialError):
        display_names(bad)
