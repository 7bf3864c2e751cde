"""Region key: place names -> GB/T 2260 codes, levels, provinces."""

from __future__ import annotations

import pytest

from policytag.regions import enrich_meta, lookup, normalize_level, short_name


@pytest.mark.parametrize(("place", "code", "level", "province", "city"), [
    ("江陵县", "421024", "县区", "湖北省", "荆州市"),
    ("江陵", "421024", "县区", "湖北省", "荆州市"),
    ("衡阳", "430400", "市", "湖南省", None),  # a short form means the higher level, not 衡阳县
    ("衡阳县", "430421", "县区", "湖南省", "衡阳市"),
    ("株洲市人大常委会", "430200", "市", "湖南省", None),
    ("湖北省荆州市江陵县", "421024", "县区", "湖北省", "荆州市"),
    ("湖北", "420000", "省", "湖北省", None),
    ("恩施", "422800", "市", "湖北省", None),
    ("长阳", "420528", "县区", "湖北省", "宜昌市"),
    ("仙桃市", "429004", "县区", "湖北省", None),  # county-level city under the province
    ("海淀区", "110108", "县区", "北京市", "北京市"),
])
def test_lookup(place, code, level, province, city):
    region = lookup(place)
    assert (region.code, region.level, region.province, region.city) == (code, level, province, city)
    assert not region.ambiguous


def test_ambiguous_names_use_the_hint():
    region = lookup("朝阳区")
    assert region.ambiguous and region.code is None and set(region.candidates) == {"110105", "220104"}
    assert lookup("朝阳区", "北京").code == "110105"
    assert lookup("朝阳区", province_hint="吉林省").code == "220104"
    assert lookup("朝阳区", "长春市").code == "220104"


def test_former_names():
    region = lookup("襄樊市")
    assert region.historical and region.code == "420600" and region.current_name == "襄阳市"
    old = lookup("株洲县")
    assert old.historical and old.code == "430221" and old.province == "湖南省"
    assert lookup("渌口区").code == "430212" and not lookup("渌口区").historical


def test_unknown():
    assert lookup("不存在的地方") is None
    assert lookup("") is None


def test_short_name():
    assert short_name("恩施土家族苗族自治州") == "恩施"
    assert short_name("江陵县") == "江陵"
    assert short_name("和县") == "和县"  # a one-character stem is not a usable short form


def test_enrich_meta():
    meta = enrich_meta({"place": "江陵县", "level": "county", "year": 2024})
    assert meta == {"place": "江陵县", "level": "县区", "year": 2024, "region_code": "421024",
                    "province": "湖北省", "city": "荆州市"}
    ambiguous = enrich_meta({"place": "鼓楼区"})
    assert ambiguous["region_code"] is None and len(ambiguous["region_candidates"]) >= 3
    unknown = enrich_meta({"place": "某地", "level": "地级市"})
    assert unknown["region_code"] is None and unknown["level"] == "市"


@pytest.mark.parametrize(("word", "level"), [("县", "县区"), ("区", "县区"), ("省", "省"), ("自治州", "市"),
                                             ("city", "市"), ("", None), (None, None), ("乡", None)])
def test_normalize_level(word, level):
    assert normalize_level(word) == level


def test_seed_report_places():
    # The places the seed reports come from resolve to one division each.
    for place in ("荆州市", "钟祥市", "江陵县", "衡阳市", "株洲市"):
        region = lookup(place)
        assert region is not None and region.code and region.province in ("湖北省", "湖南省")
