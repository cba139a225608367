"""A reviewer accepts an OpenStreetMap proposal in the real app (streamlit run + headless Chromium).

The app runs on a temporary SQLite store (ATLAS_DB) over the shipped catalog; the proposal comes
from ``enrich`` on a one-node OSM extract written here beside a real station record.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from geo import edits, osm, review, settings, store
from scripts.serve_app import running_app


@pytest.fixture(scope="module")
def osm_app(tmp_path_factory):
    import bcrypt

    tmp = tmp_path_factory.mktemp("osm_review")
    db = f"sqlite:///{tmp / 'atlas.db'}"
    with pytest.MonkeyPatch.context() as mp:
        fast_salt = bcrypt.gensalt
        mp.setattr(bcrypt, "gensalt", lambda rounds=4, prefix=b"2b": fast_salt(4, prefix))
        mp.setattr(settings, "db_url", db)
        store.reset_engines()
        store.add_user("rita", "reviewer-pw", role="reviewer")
        frame = edits.current_catalog().frame
        stations = frame[(frame["category"] == "station_hub") & (frame.geometry.geom_type == "Point")
                         & (frame["location_source"] != "openstreetmap")]
        record = stations.iloc[0]
        root = ET.Element("osm", version="0.6")
        node = ET.SubElement(root, "node", id="77", version="1", lat=f"{record.geometry.y + 0.001:.6f}", lon=f"{record.geometry.x:.6f}")
        for k, v in {"railway": "station", "name": record["name_zh"]}.items():
            ET.SubElement(node, "tag", k=k, v=v)
        extract = tmp / "one.osm"
        ET.ElementTree(root).write(extract, encoding="utf-8", xml_declaration=True)
        (match,) = [m for m in osm.enrich(stations.iloc[:1], categories=["station_hub"], xml=extract) if m.accepted]
        p = osm.proposal(match)
        n = review.propose(p["record_id"], p["changes"], author=p["author"], source=p["source"], reason=p["reason"], evidence=p["evidence"])
        store.reset_engines()
        mp.setenv("ATLAS_DB", db)
        with running_app(timeout_s=120) as url:
            yield {"url": url, "db": db, "id": record["id"], "proposal": n}
    store.reset_engines()


def test_reviewer_accepts_an_osm_proposal_in_the_browser(context, osm_app):
    page = context.new_page()
    try:
        page.goto(osm_app["url"] + "/Review_审核")
        page.get_by_text("OpenStreetMap 匹配").first.wait_for(timeout=90000)
        # The credit and the node's link are drawn in the same run, just after the heading: wait for them (absent = timeout).
        page.get_by_text("© OpenStreetMap 贡献者,ODbL 许可").first.wait_for(timeout=30000)
        page.get_by_text("node/77").first.wait_for(timeout=30000)
        page.get_by_text("登录").first.click()
        page.get_by_label("用户名").fill("rita")
        page.get_by_label("密码").fill("reviewer-pw")
        page.get_by_role("button", name="登录").click()
        page.get_by_text("理由(必填)").first.wait_for(timeout=60000)
        page.get_by_label("理由(必填)").fill("the station node is at the station")
        page.get_by_role("button", name="采纳").click()
        page.get_by_text("已采纳").first.wait_for(timeout=60000)
        assert page.get_by_text("Traceback").count() == 0
    finally:
        page.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "db_url", osm_app["db"])
        store.reset_engines()
        assert review.get_proposal(osm_app["proposal"]).state == "accepted"
        row = edits.current_catalog().frame.set_index("id").loc[osm_app["id"]]
        assert (row.location_precision, row.location_source, list(row.osm_ids)) == ("exact", "openstreetmap", ["node/77"])
        store.reset_engines()
