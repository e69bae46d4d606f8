"""Figure of the national baseline and the stocks and ratios that make it turn.

    python docs/baseline_mechanisms.py            # writes docs/baseline_mechanisms.png

Four panels, all from one run of the calibrated baseline (scenarios/baseline.yaml):
(a) gross emissions E, net land sink S and net emissions N with the turning points of
the projection era; (b) the construction chain: urbanization rate, floor space built and
cement (the materials demand that ends with urbanization); (c) primary energy by end use
and the non-fossil share (learning and capital turnover); (d) the forest: land sink,
forest area by age class and the remaining sink potential space (宜林地).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from analysis.turning_points.narration import turning_points_from_results  # noqa: E402
from models.model import run_scenario  # noqa: E402
from scenarios.loader import load_scenario  # noqa: E402

OUT = ROOT / "docs" / "baseline_mechanisms.png"
YEARS = (1990, 2100)


def main() -> Path:
    """Run the baseline, draw the four panels, return the path of the PNG."""
    df = run_scenario(load_scenario("baseline").inputs)
    df = df.loc[YEARS[0]:YEARS[1]]
    table = turning_points_from_results(df)
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5), constrained_layout=True)

    ax = axes[0, 0]
    ax.plot(df.index, df["gross emissions"], label="gross emissions E", color="#b03a2e")
    ax.plot(df.index, df["land carbon sink"], label="net land sink S", color="#1e8449")
    ax.plot(df.index, df["net emissions"], label="net emissions N = E - S", color="#34495e", ls="--")
    for key, label in (("tp3", "TP3 peak"), ("tp4_sink_peak", "sink peak")):
        year = table[key].year
        if year is not None:
            ax.axvline(year, color="#888888", lw=0.8)
            ax.annotate(f"{label} {year:.0f}", (year, ax.get_ylim()[1] * 0.95), rotation=90,
                        va="top", ha="right", fontsize=8)
    ax.set(title="(a) Emissions and land sink (Mt CO2/yr)", xlabel="year")
    ax.legend(fontsize=8)

    ax = axes[0, 1]
    ax.plot(df.index, df["cement production"], label="cement (Mt/yr)", color="#7f8c8d")
    ax.plot(df.index, 50 * df["floor space construction"], label="floor space built (x50, 10^8 m2/yr)",
            color="#a04000")
    ax2 = ax.twinx()
    ax2.plot(df.index, df["urbanization rate"], label="urbanization rate (%, right)", color="#2471a3")
    ax.set(title="(b) Construction chain", xlabel="year")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], fontsize=8, loc="upper left")

    ax = axes[1, 0]
    parts = ["construction materials energy", "buildings energy", "transport energy", "other economic energy"]
    ax.stackplot(df.index, *[df[p] / 1000 for p in parts], labels=[p.replace(" energy", "") for p in parts],
                 alpha=0.8)
    ax2 = ax.twinx()
    ax2.plot(df.index, 100 * df["non fossil share of primary energy"], color="k", label="non-fossil share (%, right)")
    ax.set(title="(c) Primary energy by end use (1000 TWh/yr)", xlabel="year")
    handles = ax.get_legend_handles_labels()
    ax.legend(handles[0] + ax2.get_lines(), handles[1] + ["non-fossil share (%, right)"], fontsize=8, loc="upper left")

    ax = axes[1, 1]
    for col, color in (("Young Forest", "#82e0aa"), ("Middle Aged Forest", "#28b463"),
                       ("Mature Forest", "#145a32"), ("Other Land Suitable for Forest", "#d4ac0d")):
        ax.plot(df.index, df[col] / 100, label=f"{col} (Mha)", color=color)
    ax2 = ax.twinx()
    ax2.plot(df.index, df["land carbon sink"], color="#1e8449", ls=":", label="net land sink (Mt CO2/yr, right)")
    ax.set(title="(d) Forest age classes and sink potential space", xlabel="year")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], fontsize=8, loc="upper right")

    fig.suptitle("National baseline (calibrated, no new policy): what turns and why", fontsize=12)
    fig.savefig(OUT, dpi=110)
    plt.close(fig)
    return OUT


if __name__ == "__main__":
    print(main())
