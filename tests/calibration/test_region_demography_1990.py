"""The demography of 1990 of the United States and the United Kingdom: the age profiles and
mortality constants their fits run with equal the values recomputed from the 1990 counts.

The model's 13 five-year ``initial age profile`` constants and the female share of ages 20-34
default to China's 1990 census. For the United States and the United Kingdom they are fixed in
``calibration/national.yaml`` from counts copied into
``calibration/data/raw/age_structure_usa_gbr.csv``: the Census Bureau's intercensal estimates of
1 April 1990 by single year of age (source US_CENSUS_E8990PQI) and the ONS mid-1990 estimates of
England and Wales by sex and five-year group (source ONS_MYE_EW_1990). This test sums the counts
itself, divides by the total of all ages, and compares; it also compares the UK's male shares with
the percentages the House of Commons was given in 1996 for the same year (source
HANSARD_1996_07_23), an independent print of the same estimates.

The mortality of children (0-14) and of working-age people (15-64) and the initial crude death
rate default to China's too. They are fixed from the Human Mortality Database's deaths and
exposures of 1990 (``calibration/data/raw/mortality_hmd_1990.csv``): deaths of the age group over
its person-years, recomputed here; the US deaths add up to the total NCHS published for 1990.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from calibration.config import load_config
from tests.calibration.raw_data import raw_values

NATIONAL = Path(__file__).resolve().parents[2] / "calibration" / "national.yaml"
RAW = "age_structure_usa_gbr.csv"
HMD = "mortality_hmd_1990.csv"
#: the model's five-year groups below 65, as (constant suffix, raw-variable suffixes summed)
GROUPS = [("0 to 4", ("under_1", "1_4"))] + [
    (f"{a} to {a + 4}", (f"{a}_{a + 4}",)) for a in range(5, 65, 5)]
#: every printed group of the ONS table (ages 65 and over too): their sum is the total
ALL_PRINTED = ["under_1", "1_4"] + [f"{a}_{a + 4}" for a in range(5, 85, 5)] + ["85_over"]


def _gbr_counts() -> dict[str, float]:
    """Five-year groups 0-4 ... 60-64, the total, and ages 20-34 (all, female), mid-1990."""
    rows = raw_values(RAW, "GBR")

    def both(group: str) -> float:
        return rows[f"population_male_{group}_ew"][1990] + rows[f"population_female_{group}_ew"][1990]

    out = {label: sum(both(p) for p in parts) for label, parts in GROUPS}
    out["total"] = sum(both(g) for g in ALL_PRINTED)
    groups = ("20_24", "25_29", "30_34")
    out["20 to 34"] = sum(both(g) for g in groups)
    out["women 20 to 34"] = sum(rows[f"population_female_{g}_ew"][1990] for g in groups)
    return out


def _usa_counts() -> dict[str, float]:
    """The same from single years of age, 1 April 1990."""
    rows = raw_values(RAW, "USA")

    def age(a: int, sex: str = "") -> float:
        return rows[f"population_{sex}age_{a}_apr1990"][1990]

    out = {f"{lo} to {lo + 4}": sum(age(a) for a in range(lo, lo + 5)) for lo in range(0, 65, 5)}
    out["total"] = rows["population_all_ages_apr1990"][1990]
    out["20 to 34"] = sum(age(a) for a in range(20, 35))
    out["women 20 to 34"] = sum(age(a, "female_") for a in range(20, 35))
    return out


COUNTS = {"GBR": _gbr_counts, "USA": _usa_counts}
LABELS = [label for label, _ in GROUPS]


@pytest.fixture(scope="module", params=sorted(COUNTS))
def region(request) -> tuple[dict[str, float], dict[str, float], list[str]]:
    """(counts, fixed constants, region-specific constant names) of one region."""
    cfg = load_config(NATIONAL, region=request.param, fit_until=2000)
    fixed = {name: fv.value for name, fv in cfg.fixed.items()}
    return COUNTS[request.param](), fixed, list(cfg.region_specific)


def test_profile_constants_are_the_shares_of_their_age_groups(region) -> None:
    counts, fixed, _ = region
    for label in LABELS:
        # the configuration rounds to 4 decimals
        share = counts[label] / counts["total"]
        assert fixed[f"initial age profile {label}"] == pytest.approx(share, abs=5.1e-5), label


def test_profile_sums_to_the_population_below_65(region) -> None:
    """The 13 constants add up to the share below 65 (12.5 % of the United States and 16 % of
    England and Wales were 65 or older)."""
    counts, fixed, _ = region
    below_65 = sum(counts[label] for label in LABELS) / counts["total"]
    assert sum(fixed[f"initial age profile {label}"] for label in LABELS) == pytest.approx(below_65, abs=13 * 5.1e-5)
    assert 0.83 < below_65 < 0.88


def test_female_share_of_ages_20_to_34(region) -> None:
    counts, fixed, _ = region
    share = counts["women 20 to 34"] / counts["20 to 34"]
    assert fixed["female share of childbearing age population"] == pytest.approx(share, abs=5.1e-5)


def test_no_age_default_of_china_is_left(region) -> None:
    _, fixed, region_specific = region
    age_constants = [c for c in region_specific
                     if c.startswith("initial age profile") or c.startswith("female share")]
    assert len(age_constants) == 14
    assert all(c in fixed for c in age_constants)


def test_us_single_years_agree_with_the_broad_shares_of_other_sources() -> None:
    """The shares aged 0-14 and 65+ that the single years give match the 1990 anchors of the
    fit from other sources (OECD 21.6 %, census 12.6 %)."""
    counts = _usa_counts()
    children = sum(counts[label] for label in LABELS[:3]) / counts["total"]
    elderly = 1 - sum(counts[label] for label in LABELS) / counts["total"]
    assert children == pytest.approx(0.216, abs=0.001)
    assert elderly == pytest.approx(0.126, abs=0.002)


@pytest.mark.parametrize("group, parts", [
    ("0_4", ("under_1", "1_4")), ("5_9", ("5_9",)), ("10_14", ("10_14",)),
    ("15_19", ("15_19",)), ("20_24", ("20_24",))])
def test_male_shares_agree_with_the_1996_print(group, parts) -> None:
    """Shares printed to 0.1 point in 1996; the ONS series read later gives 8.16 % for 20-24
    against 8.3 % printed (a revision of the 1980s estimates), hence 0.2 point."""
    rows = raw_values(RAW, "GBR")
    males = sum(rows[f"population_male_{g}_ew"][1990] for g in ALL_PRINTED)
    share = 100 * sum(rows[f"population_male_{p}_ew"][1990] for p in parts) / males
    assert share == pytest.approx(rows[f"share_male_{group}_ew"][1990], abs=0.2)


#: HMD's printed age groups, in order
HMD_GROUPS = ["0", "1_4"] + [f"{a}_{a + 4}" for a in range(5, 110, 5)] + ["110_over"]


def _hmd_sum(region: str, what: str, groups: list[str]) -> float:
    """HMD ``what`` ("deaths" or "exposure", person-years) of 1990 summed over printed groups."""
    rows = raw_values(HMD, region)
    return sum(rows[f"{what}_{g}"][1990] for g in groups)


def _hmd_rate(region: str, groups: list[str]) -> float:
    return _hmd_sum(region, "deaths", groups) / _hmd_sum(region, "exposure", groups)


@pytest.mark.parametrize("region_code", ["GBR", "USA"])
def test_mortality_constants_are_the_rates_of_1990(region_code) -> None:
    cfg = load_config(NATIONAL, region=region_code, fit_until=2000)
    fixed = {name: fv.value for name, fv in cfg.fixed.items()}
    children, working = HMD_GROUPS[:4], HMD_GROUPS[4:14]
    assert working[0] == "15_19" and working[-1] == "60_64"
    # the configuration rounds to 5 decimals
    assert fixed["child mortality"] == pytest.approx(_hmd_rate(region_code, children), abs=5.1e-6)
    assert fixed["working age mortality"] == pytest.approx(_hmd_rate(region_code, working), abs=5.1e-6)
    assert fixed["initial crude death rate"] == pytest.approx(_hmd_rate(region_code, HMD_GROUPS), abs=5.1e-6)
    # fixed, not estimated as well
    assert "initial crude death rate" not in {spec.name for spec in cfg.parameters}


def test_us_deaths_add_up_to_the_nchs_total() -> None:
    """NCHS, Advance Report of Final Mortality Statistics, 1990: 2,148,463 deaths."""
    assert _hmd_sum("USA", "deaths", HMD_GROUPS) == pytest.approx(2_148_463, abs=1)


def test_uk_exposures_agree_with_the_broad_age_shares_of_other_sources() -> None:
    """OECD 19.1 % aged 0-14; UN via Statistics Norway 15.7 % aged 65 and over (1990)."""
    total = _hmd_sum("GBR", "exposure", HMD_GROUPS)
    children = _hmd_sum("GBR", "exposure", HMD_GROUPS[:4]) / total
    elderly = _hmd_sum("GBR", "exposure", HMD_GROUPS[14:]) / total
    assert HMD_GROUPS[14] == "65_69"
    assert children == pytest.approx(0.191, abs=0.002)
    assert elderly == pytest.approx(0.157, abs=0.002)


#: the model's old-age groups as HMD's printed groups
OLD_AGE = {"65 to 74": HMD_GROUPS[14:16], "75 to 84": HMD_GROUPS[16:18], "85 and over": HMD_GROUPS[18:]}


@pytest.mark.parametrize("region_code", ["GBR", "USA"])
def test_old_age_constants_are_the_shares_and_rates_of_1990(region_code) -> None:
    """The shares of the people aged 65+ that are 75-84 and 85+ (person-years of 1990) and the
    mortality of those groups relative to ages 65-74 (deaths over person-years)."""
    assert OLD_AGE["65 to 74"] == ["65_69", "70_74"] and OLD_AGE["85 and over"][0] == "85_89"
    assert OLD_AGE["85 and over"][-1] == "110_over"
    cfg = load_config(NATIONAL, region=region_code, fit_until=2000)
    fixed = {name: fv.value for name, fv in cfg.fixed.items()}
    elderly = _hmd_sum(region_code, "exposure", HMD_GROUPS[14:])
    young_old = _hmd_rate(region_code, OLD_AGE["65 to 74"])
    for group in ("75 to 84", "85 and over"):
        # the configuration rounds to 4 (shares) and 3 (ratios) decimals
        share = _hmd_sum(region_code, "exposure", OLD_AGE[group]) / elderly
        assert fixed[f"initial share of elderly aged {group}"] == pytest.approx(share, abs=5.1e-5), group
        ratio = _hmd_rate(region_code, OLD_AGE[group]) / young_old
        assert fixed[f"relative mortality aged {group}"] == pytest.approx(ratio, abs=5.1e-4), group
    # mortality rises with age (Gompertz), by the same order in both countries
    assert 2 < fixed["relative mortality aged 75 to 84"] < 2.6 < 5 < fixed["relative mortality aged 85 and over"] < 6.5


def test_old_age_constants_of_china_are_its_census_figures() -> None:
    """China's defaults: the 1990 census's people aged 75-84 and 85+ among those aged 65+ (Zeng and
    George 2000, whose total agrees with the UNSD census count to 0.1 million) and the mortality
    of those groups relative to ages 65-74 from the deaths of the 2000 census year (NBS)."""
    from models.model import load_model

    constants = load_model().constants
    zeng = raw_values("china_age_structure.csv", "CHN")
    million = {g: zeng[f"population_{g}_census_million"][1990] for g in ("65_74", "75_84", "85_over", "65_over")}
    assert million["65_74"] + million["75_84"] + million["85_over"] == pytest.approx(million["65_over"], abs=0.05)
    assert million["65_over"] * 1e6 == pytest.approx(zeng["population_65_over_census"][1990], abs=0.05e6)
    assert constants["initial share of elderly aged 75 to 84"].default == pytest.approx(
        million["75_84"] / million["65_over"], abs=5.1e-5)
    assert constants["initial share of elderly aged 85 and over"].default == pytest.approx(
        million["85_over"] / million["65_over"], abs=5.1e-5)

    def rate(ages: list[str]) -> float:
        deaths = sum(zeng[f"deaths_{a}_census_year"][2000] for a in ages)
        people = sum(zeng[f"deaths_{a}_census_year"][2000] / (zeng[f"death_rate_{a}_census_year"][2000] / 1000)
                     for a in ages)
        return deaths / people

    young_old = rate(["65_69", "70_74"])
    assert constants["relative mortality aged 75 to 84"].default == pytest.approx(
        rate(["75_79", "80_84"]) / young_old, abs=5.1e-3)
    assert constants["relative mortality aged 85 and over"].default == pytest.approx(
        rate(["85_89", "90_94", "95_99", "100_over"]) / young_old, abs=5.1e-3)


def test_no_old_age_default_of_china_is_left() -> None:
    for region_code in ("GBR", "USA"):
        cfg = load_config(NATIONAL, region=region_code, fit_until=2000)
        old_age = [c for c in cfg.region_specific if "elderly aged" in c or c.startswith("relative mortality")]
        assert len(old_age) == 4, old_age
        assert all(c in cfg.fixed for c in old_age), region_code
