"""How each benchmark's figures read against its goal, for bench/RESULTS.md.

A row's `met` is computed from the measured figure here; nothing is filled in by hand. NOTES
hold the engineers' explanation for a benchmark whose goal the figures show missed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    goal: str
    met: bool | None  # None: no goal, or the benchmark could not measure it


def _overhead(f: dict[str, Any]) -> list[Row]:
    ratio = f["ratio_to_critical_path"]
    with_tests = f["with_execution"]["ratio_to_critical_path"]
    return [
        Row(
            "wall time / pipelined critical path (no execution)",
            f"{ratio}",
            "≤ 1.05",
            ratio <= 1.05,
        ),
        Row("the same with execution", f"{with_tests}", "≤ 1.05", with_tests <= 1.05),
        Row("a staged design, for comparison", f"{f['staged_ratio_to_critical_path']}", "", None),
    ]


def _verification(f: dict[str, Any]) -> list[Row]:
    snapshot = f["snapshot"]
    rows = [
        Row(
            f"refresh of an unchanged {snapshot['files']}-file snapshot",
            f"{snapshot['refresh_unchanged_s'] * 1000:.0f} ms",
            "≤ 200 ms",
            snapshot["refresh_unchanged_s"] <= 0.2,
        ),
        Row(
            "selected tests / full suite, generated project "
            f"({f['selection']['selected_tests']} of {f['selection']['suite_size']} tests)",
            f"{f['selection']['selected_to_full_ratio']}",
            "",
            None,
        ),
    ]
    real = f.get("real_library")
    if real:
        ratio = real.get("selected_to_full_ratio")
        detail = (
            f"{real['library']}, {real['function']}: {real['selection']['tests_run']} tests "
            f"selected of {real['full_suite']['tests']}, {real['selected_run_s']} s against "
            f"{real['full_suite_run_s']} s"
            if real.get("available")
            else f"a real library: {real.get('reason', 'not measured')}"
        )
        rows.append(
            Row(
                f"selected tests / full suite, {detail}",
                f"{ratio}" if ratio is not None else "not measured",
                "≤ 0.20",
                None if ratio is None else ratio <= 0.2,
            )
        )
    return rows


def _sandbox(f: dict[str, Any]) -> list[Row]:
    if not f.get("cases"):
        return [Row("sandbox's added cost per run", f.get("reason") or "not measured", "", None)]
    rows = []
    for case in f["cases"]:
        where = f"`{case['command']}`, {case['files']}-file snapshot"
        rows.append(
            Row(
                f"sandbox's added cost per run over a bare process, {where} (median of "
                f"{f['runs_per_way']}: bare {case['bare']['median_ms']:.1f} ms, sandbox "
                f"{case['sandbox']['median_ms']:.1f} ms, p25–p75 "
                f"{case['sandbox']['p25_ms']:.1f}–{case['sandbox']['p75_ms']:.1f} ms)",
                f"{case['sandbox_added_ms']:.1f} ms",
                f"≤ {f['goal_added_ms']:.0f} ms",
                case["sandbox_added_ms"] <= f["goal_added_ms"],
            )
        )
        rows.append(
            Row(
                f"sandbox / the runner before bubblewrap (hardlink farm + unshare), {where} "
                f"(that runner added {case['legacy_added_ms']:.1f} ms)",
                f"{case['sandbox_to_legacy_ratio']}",
                "",
                None,
            )
        )
    return rows


def _cancel(f: dict[str, Any]) -> list[Row]:
    return [
        Row(
            "cancel → every model call and test process stopped (median)",
            f"{f['median_s'] * 1000:.0f} ms",
            "",
            None,
        )
    ]


# Issue 18's goals, for the one pair and dataset they were set on.
QUALITY_HEADLINE = ("humaneval-multimodel", "GPT-4 + GPT-3.5")


def _quality(f: dict[str, Any]) -> list[Row]:
    rows = []
    where = f" ({f['dataset']})" if f.get("folder") != QUALITY_HEADLINE[0] else ""
    separately = f"; measured {f['measured_separately']}" if f.get("measured_separately") else ""
    for entry in f["pairs"]:
        name = entry["pair"]
        headline = (f.get("folder"), name) == QUALITY_HEADLINE
        for key, when in (("after_0_answers", "0 answers"), ("after_1_answer", "≤ 1 answer")):
            if key in entry:
                rows += _quality_rows(entry[key], f"{name}{where}, {when}", headline, key)
    if rows and separately:
        rows[0] = Row(rows[0].figure + separately, rows[0].measured, rows[0].goal, rows[0].met)
    return rows


def _quality_rows(pair: dict[str, Any], name: str, headline: bool, key: str) -> list[Row]:
    answered = key == "after_1_answer"
    agreement = pair["verified_agreement"]
    asked = (
        f"; questions asked {pair['questions_asked']}, answered as tests "
        f"{pair['answers_written_as_tests']}, the user sided with {pair['user_sided_with']}"
        if answered
        else ""
    )
    goal_correct = headline and answered
    rows = [
        Row(
            f"{name}: recommended proposal correct (best single {pair['best_single']}, "
            f"visible-tests pick {pair['visible_tests_pick']}, oracle {pair['oracle']}; "
            f"no recommendation {pair['no_recommendation']}{asked})",
            f"{pair['recommended_correct']}/{pair['tasks']}",
            "≥ 153/164" if goal_correct else "",
            pair["recommended_correct"] >= 153 if goal_correct else None,
        ),
        Row(
            f"{name}: wrong recommendations ({', '.join(pair['wrong']) or 'none'})",
            f"{pair['recommended_wrong']}",
            "≤ 3" if goal_correct else "",
            pair["recommended_wrong"] <= 3 if goal_correct else None,
        ),
    ]
    precision = agreement["precision"]
    coverage = agreement["coverage_of_all_tasks"]
    goal = ("≥ 99%" if answered else "≥ 99% at ≥ 60%") if headline else ""
    met = None
    if headline:
        met = precision is not None and precision >= 0.99 and (answered or coverage >= 0.6)
    rows.append(
        Row(
            f"{name}: `verified-agreement` precision at coverage "
            f"({agreement['correct']}/{agreement['labelled']} labelled tasks correct)",
            # Two decimals: 97/98 must not read as 99.0% beside a 99% goal.
            f"{precision:.2%} at {coverage:.1%}" if precision is not None else "none labelled",
            goal,
            met,
        )
    )
    one_right = pair["one_right"]
    if one_right["tasks"]:
        rows.append(
            Row(
                f"{name}: one-right tasks labelled `disputed` (labels: {one_right['labels']})",
                f"{one_right['disputed_share']:.1%} of {one_right['tasks']}",
                "",
                None,
            )
        )
    return rows


def _cache(f: dict[str, Any]) -> list[Row]:
    return [
        Row(
            f"repeated cross-check → published diagnostics, median of {f['repeats']} "
            f"(first request {f['first_request_ms']:.0f} ms; model calls during repeats: "
            f"{f['model_calls_during_repeats']})",
            f"{f['median_ms']} ms",
            "≤ 50 ms",
            f["met"],
        )
    ]


def _arrival(f: dict[str, Any]) -> list[Row]:
    return [
        Row(
            f"first proposal's arrival at the server → published diagnostics, median of "
            f"{f['runs']} (the other family {f['second_family_s']:g} s; p90 {f['p90_ms']} ms; "
            f"the command answered in {f['command_answer_ms_median']} ms)"
            + (f"; measured {f['measured_separately']}" if f.get("measured_separately") else ""),
            f"{f['median_ms']} ms",
            "≤ 50 ms",
            f["met"],
        )
    ]


def _responsiveness(f: dict[str, Any]) -> list[Row]:
    rows = []
    for kind, label in (("hover", "hover"), ("code_action", "codeAction")):
        load = f["under_load"][kind]
        rows.append(
            Row(
                f"{label} latency while {f['pipelines']} pipelines run "
                f"({load['samples']} samples, p50 {load['p50_ms']} ms)",
                f"p99 {load['p99_ms']} ms",
                "p99 ≤ 20 ms",
                load["p99_ms"] <= f["goal_p99_ms"],
            )
        )
    memory = f["memory"]
    idle = memory["idle_after_initialize"]["rss_mb"]
    rows.append(Row("server RSS when idle (memory)", f"{idle} MB", "≤ 150 MB", idle <= 150))
    rows.append(
        Row(
            f"server RSS under that load, peak (memory; VmHWM {memory['peak_vmhwm_mb']} MB)",
            f"{memory['under_load_rss_max_mb']} MB",
            "",
            None,
        )
    )
    return rows


def _prompt(f: dict[str, Any]) -> list[Row]:
    rows = []
    for selection in f["selections"]:
        missing = selection["missing_from_prompt"]
        rows.append(
            Row(
                f"prompt tokens / whole-file prompt, {selection['selection']} of a "
                f"{f['file_lines']}-line file; used definitions missing: "
                f"{', '.join(missing) if missing else 'none'}",
                f"{selection['ratio_lexical']}",
                "≤ 0.25, none missing",
                selection["ratio_lexical"] <= f["goal_ratio"] and not missing,
            )
        )
    return rows


SUMMARIES: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "cache": _cache,
    "arrival": _arrival,
    "responsiveness": _responsiveness,
    "prompt": _prompt,
    "overhead": _overhead,
    "verification": _verification,
    "sandbox": _sandbox,
    "cancel": _cancel,
    "quality": _quality,
}


def rows_for(name: str, figures: dict[str, Any]) -> list[Row]:
    summary = SUMMARIES.get(name)
    if summary is None:
        return [
            Row(key, str(value), "", None) for key, value in figures.items() if key != "machine"
        ]
    return summary(figures)


NOTES = {
    "verification": """
**verification.** *Snapshot refresh:* an unchanged refresh stats every file twice (the
workspace file, through folder handles opened with O_NOFOLLOW, and its copy, whose ctime and
inode prove it unchanged: a run cannot write to the base at all since the overlay), about
20 000 `stat` calls from Python for 10k files: 0.13–0.22 s across runs on this
shared machine, so the 200 ms goal is met or missed by noise. A file-system watcher (inotify)
or git's index to list changed files would make an unchanged refresh nearly free. *Real
library:* the selected run (8 tests of more-itertools' 664, a second request as in the editor)
is about 0.5 s of pytest start-up plus the sandbox's namespace and mount set-up, against a full
suite of about 3 s, so the ratio moves between 0.19 (an earlier run this session) and 0.28
with the machine's load. A suite that takes longer shows a smaller ratio; what would close
it for small suites is a warm pytest process per interpreter (forked per run) instead of a new
interpreter each time.
""",
    "sandbox": """
**sandbox.** A run through the sandbox costs about 60 ms more than a bare process here; the
runner it replaced cost 85–90 ms more on a 1 000-file workspace and about 400 ms on 10 000
(its per-run hardlink farm), the new one's cost does not grow with the workspace (the overlay
is one mount). Where the 60 ms go, as root on this 2-core machine (from a helper's timestamps
inside the launcher, medians under load 2–3): starting the launcher's `python -I -S` 10–18 ms
and its imports (ctypes for unshare/mount/prctl, signal) about 12 ms; the mount namespace,
tmpfs and overlay under 1 ms; joining the run's pids cgroup about 11 ms (root only: on cgroup
v1 an attach after an idle spell waits out an RCU grace period; an ordinary user has
RLIMIT_NPROC instead); bubblewrap to the command 10–20 ms (one bind per allow-listed `/etc`
entry is 2–13 ms of it; seccomp and the network namespace about nothing). The first version
added 100–140 ms: it imported subprocess and json and polled for the command's exit. What
would close the goal: a warm launcher per server that forks for each run (the interpreter
start and imports, about 25 ms), one prepared `/etc` view bound once, and the cgroup attach
done by the server while the launcher starts (or cgroup v2's `CLONE_INTO_CGROUP`).
""",
    "quality": """
**quality.** Measured on 2026-12-02 with `python -m bench quality` on main (Hypothesis input
search, questions only on `disputed` runs, answers that pin a whole number's type, the scoring
limit 60 s; and, new in this run, derived inputs and their shrinking kept to the smallest sizes
and numbers the examples show), 782 s on the 2 cores. The replay has no recorded judgments,
revisions or model-written tests: both judges answer a neutral "correct, 50%" and repair is off,
so the verdict rests on the visible tests, doctests, differential testing and, with answers, the
user's regression test. Per-task details: `--details FILE`; each answer (the call, both results,
the reference's, the labels before and after) is in results.json (`answered`).

With 0 answers the agreement goal is met: 104/105 = 99.05% at 64.0% coverage (was 102/103 at
62.8% before the bounds); 14 tasks are `disputed` with nothing recommended.

GPT-4 + GPT-3.5 with at most one answer: 151/164 (goal 153; was 149), 4 wrong (goal 3), agreement
104/105 = 99.05% (goal 99%, met). 14 questions asked (one per disputed task), all written as
tests; the reference sided with GPT-4 10 times, GPT-3.5 4. HumanEval/59 is now asked about
`largest_prime_factor(10)` (GPT-4 `5`, GPT-3.5 `5.0`) instead of the out-of-domain
`largest_prime_factor(1)`, and HumanEval/20 no longer differs on a list shorter than two, so
both samples agree, rightly. Where a right sample is not recommended:
- HumanEval/122: every difference has `k > len(arr)`, against the docstring's `k <= len(arr)`
  (`add_elements([67, 103], 3)`: GPT-4 `67`, GPT-3.5 raises IndexError). The reference sides
  with GPT-4, whose sample is wrong on negative numbers, which no example shows; so GPT-4 is
  recommended, wrongly.
- HumanEval/10, 118: both samples fail a visible test (the docstring's own example), so nothing
  is asked and nothing is recommended (GPT-3.5's sample passes the hidden tests, which do not
  check what the visible one does). In a live run the repair round would revise both with that
  failing test; the replay has no recorded revisions.
Of the 4 wrong, 3 (HumanEval/32, 65, 155) have no right sample as scored, so any recommendation
is wrong; 155 is also the one wrong `verified-agreement` (both samples share the bug, and an
agreed run asks no question). So with this replay the goals are out of reach: 3 wrong are
forced, and at most 152 right, since 10 and 118 need a revision and recommending a sample that
fails the docstring's example would be wrong. What would close the gap: recorded revisions (a
live run has them) and a "not a valid input" answer that asks about another input.
""",
}
