"""The command line's last net: an unexpected failure is one line on stderr, never a traceback."""

from __future__ import annotations

from geo.__main__ import main


def test_unexpected_failure_is_one_line_without_traceback(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "any.geojson"
    bad.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    monkeypatch.delenv("ATLAS_DEBUG", raising=False)

    def boom(*args, **kwargs):
        raise KeyError("an unforeseen bug")

    monkeypatch.setattr("geo.validate.validate_file", boom)
    code = main(["validate", str(bad)])
    err = capsys.readouterr().err
    assert code != 0
    assert "Traceback" not in err
    assert err.startswith("error: validate:") and err.count("\n") == 1
