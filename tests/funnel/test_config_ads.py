"""
Ads as sources in the configuration: structure, round trip and checks.
"""

import pytest

from convroute.config import dump_config, load_config, loads_config
from convroute.errors import ConfigError
from convroute.funnel import AdSource


AD = "120210000000000001"
OTHER_AD = "120210000000000002"


def funnel(name="Sales", *, ads_source=None, ad_sources=(), later=None):
    entry = {"name": "Lead Entry", "ad_sources": list(ad_sources)}
    if ads_source is not None:
        entry["ads_source"] = ads_source
    return {
        "name": name,
        "stages": [entry, {"name": "Scheduling", "follow_ups": ["Thank you"], **(later or {})}],
    }


def ad(source_id=AD, source="Black Friday ad"):
    return {"source_id": source_id, "source": source}


def problems(*funnels):
    with pytest.raises(ConfigError) as caught:
        load_config({"funnels": list(funnels)})
    return list(caught.value.errors)


class TestStructure:
    def test_read_from_toml(self):
        """An entry stage's ads_source and ad_sources are read from the file."""
        config = loads_config(
            """
            [[funnels]]
            name = "Sales"

            [[funnels.stages]]
            name = "Lead Entry"
            ads_source = "Meta Ads"
            ad_sources = [{ source_id = "120210000000000001", source = "Black Friday ad" }]
            """,
            format="toml",
        )
        entry = config.funnels[0].stages[0]
        assert ("Meta Ads", (AdSource(AD, "Black Friday ad"),)) == (
            entry.ads_source,
            entry.ad_sources,
        )

    @pytest.mark.parametrize("form", ["toml", "json"])
    def test_round_trip(self, form):
        """Ad sources are written back as they were read."""
        config = load_config({"funnels": [funnel(ads_source="Meta Ads", ad_sources=[ad()])]})
        assert config == loads_config(dump_config(config, form), format=form)

    def test_wrong_types_are_errors_with_their_path(self):
        """A number for an ad id and a missing source are reported at their paths."""
        assert [
            (
                "expected text, not the number 120210000000000001"
                " @ $.funnels[0].stages[0].ad_sources[0].source_id"
            ),
            "required key missing @ $.funnels[0].stages[0].ad_sources[1].source",
        ] == problems(funnel(ad_sources=[{"source_id": int(AD), "source": "X"}, {"source_id": AD}]))

    def test_unknown_key_is_an_error(self):
        """An ad source takes source_id and source only."""
        assert ["unknown key(s): headline @ $.funnels[0].stages[0].ad_sources[0]"] == problems(
            funnel(ad_sources=[{**ad(), "headline": "Learn AI"}])
        )


class TestChecks:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            pytest.param(
                funnel(ads_source="  "),
                ["the source must not be blank @ $.funnels[0].stages[0].ads_source"],
                id="blank-ads-source",
            ),
            pytest.param(
                funnel(ad_sources=[ad(source_id=" ")]),
                [
                    (
                        "an ad's source_id must not be blank"
                        " @ $.funnels[0].stages[0].ad_sources[0].source_id"
                    )
                ],
                id="blank-id",
            ),
            pytest.param(
                funnel(ad_sources=[ad(source_id=f" {AD} "), ad(source_id=f"\u200b{OTHER_AD}")]),
                [
                    (
                        f"an ad's source_id holds spaces or invisible characters, which the "
                        f"webhook's never has: write '{AD}'"
                        " @ $.funnels[0].stages[0].ad_sources[0].source_id"
                    ),
                    (
                        f"an ad's source_id holds spaces or invisible characters, which the "
                        f"webhook's never has: write '{OTHER_AD}'"
                        " @ $.funnels[0].stages[0].ad_sources[1].source_id"
                    ),
                ],
                id="spaced-id",
            ),
            pytest.param(
                funnel(ad_sources=[ad(source="")]),
                ["the source must not be blank @ $.funnels[0].stages[0].ad_sources[0].source"],
                id="blank-source",
            ),
            pytest.param(
                funnel(ad_sources=[ad(), ad()]),
                [
                    (
                        "repeats the ad at $.funnels[0].stages[0].ad_sources[0]"
                        " @ $.funnels[0].stages[0].ad_sources[1].source_id"
                    )
                ],
                id="duplicate",
            ),
            pytest.param(
                funnel(ad_sources=[ad(), ad(source="Other")]),
                [
                    (
                        f"ad '{AD}' already names source 'Black Friday ad'"
                        " at $.funnels[0].stages[0].ad_sources[0]"
                        " @ $.funnels[0].stages[0].ad_sources[1].source_id"
                    )
                ],
                id="two-sources-one-stage",
            ),
            pytest.param(
                funnel(later={"ads_source": "Meta Ads", "ad_sources": [ad()]}),
                [
                    (
                        "only the entry stage (the first) has an ads_source"
                        " @ $.funnels[0].stages[1].ads_source"
                    ),
                    (
                        "only the entry stage (the first) has ad_sources"
                        " @ $.funnels[0].stages[1].ad_sources"
                    ),
                ],
                id="later-stage",
            ),
        ],
    )
    def test_problem_at_its_path(self, given, expected):
        """Each problem of an ad source is reported at its path."""
        assert expected == problems(given)

    def test_one_ad_two_sources_across_funnels_is_an_error(self):
        """One ad id may not name two sources, even in two funnels."""
        assert [
            (
                f"ad '{AD}' already names source 'Black Friday ad'"
                " at $.funnels[0].stages[0].ad_sources[0]"
                " @ $.funnels[1].stages[0].ad_sources[0].source_id"
            )
        ] == problems(funnel(ad_sources=[ad()]), funnel("Support", ad_sources=[ad(source="Other")]))

    def test_one_ad_one_source_in_two_funnels_is_accepted(self):
        """The same ad with the same source in two funnels enters both alike."""
        config = load_config(
            {"funnels": [funnel(ad_sources=[ad()]), funnel("Support", ad_sources=[ad()])]}
        )
        assert [(AdSource(AD, "Black Friday ad"),)] * 2 == [
            f.stages[0].ad_sources for f in config.funnels
        ]

    def test_ads_source_in_two_funnels_is_accepted(self):
        """Each funnel may have its own ads_source."""
        config = load_config(
            {"funnels": [funnel(ads_source="Meta Ads"), funnel("Support", ads_source="Ads")]}
        )
        assert ["Meta Ads", "Ads"] == [f.stages[0].ads_source for f in config.funnels]

    def test_two_ads_two_sources(self):
        """Different ads may name different sources in one stage."""
        config = load_config(
            {"funnels": [funnel(ad_sources=[ad(), ad(source_id=OTHER_AD, source="Other")])]}
        )
        assert 2 == len(config.funnels[0].stages[0].ad_sources)
