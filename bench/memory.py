"""Memory: the server's RSS idle after initialize and under the responsiveness load.

Runs the same session as `bench/responsiveness.py` (a real `counterpoint serve` over stdio; idle
is measured once the background SDK import has settled, with no document open; the load is 8
cross-checks at once with execution on) and reports its memory figures, taken from
/proc/<pid>/status: VmRSS, and VmHWM for the peak.

Goal (issue 8): idle RSS ≤ 150 MB.
"""

from __future__ import annotations

from typing import Any

from bench.responsiveness import measure_all


def run() -> dict[str, Any]:
    figures = measure_all()
    memory = figures["memory"]
    return {
        "machine": figures["machine"],
        "idle_rss_mb": memory["idle_after_initialize"]["rss_mb"],
        "idle_peak_mb": memory["idle_after_initialize"]["peak_mb"],
        "idle_settled_after_s": memory["idle_after_initialize"]["settled_after_s"],
        "after_one_cross_check_mb": memory["after_one_cross_check_mb"],
        "load": f"{figures['pipelines']} cross-checks at once, execution on",
        "under_load_rss_max_mb": memory["under_load_rss_max_mb"],
        "peak_vmhwm_mb": memory["peak_vmhwm_mb"],
        "after_load_rss_mb": memory["after_load_rss_mb"],
        "goal_idle_mb": memory["goal_idle_mb"],
        "met": memory["met"],
    }
