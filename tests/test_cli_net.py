"""The command line's last net: an unexpected failure is one line on stderr, never a traceback."""

from __future__ import annotations

from pathlib import Path

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


def test_geo_screenshot_points_to_the_layers_command(tmp_path, capsys):
    """The map screenshot moved above geo (geo never imports layers): the old command says where, writes nothing."""
    out = tmp_path / "shot.png"
    code = main(["screenshot", "--category", "rail", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "python -m layers screenshot" in err and err.count("\n") == 1
    assert not out.exists()


def test_layers_screenshot_refuses_an_unwritable_target_in_one_line(tmp_path, capsys):
    """`python -m layers screenshot` has geo's filters and last net: a directory as --out is one error line."""
    from layers.__main__ import main as layers_main

    catalog = Path(__file__).parent / "fixtures" / "projects.geojson"
    code = layers_main(["screenshot", "--catalog", str(catalog), "--category", "rail", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and str(tmp_path) in err and "directory" in err
    assert "Traceback" not in err and err.count("\n") == 1
