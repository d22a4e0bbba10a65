"""The lanes' progress line."""

from counterpoint.engine.lanes import Lanes


def test_every_lane_is_named_with_its_state_and_unchanged_lines_are_not_sent_again():
    lines: list[str] = []
    lanes = Lanes({"claude": "Claude", "gpt": "GPT"}, lines.append)
    lanes.writing("claude")
    lanes.writing("gpt")
    lanes.writing("gpt", 240)  # a stream's token count (the streaming providers' hook)
    lanes.writing("gpt", 240)
    lanes.proposed("claude")
    lanes.judging("claude", "gpt")
    lanes.tests_running("original")
    lanes.failed("gpt", "timeout")
    lanes.judged("claude", "gpt")
    lanes.tests_running("claude")
    lanes.tests_ran("original")
    lanes.tests_done()
    assert lines == [
        "Claude: writing · GPT: waiting",
        "Claude: writing · GPT: writing",
        "Claude: writing · GPT: writing, 240 tokens",
        "Claude: proposed · GPT: writing, 240 tokens",
        "Claude: judging GPT's proposal · GPT: writing, 240 tokens",
        "Claude: judging GPT's proposal · GPT: writing, 240 tokens"
        " · tests: running on the original",
        "Claude: judging GPT's proposal · GPT: failed: timeout · tests: running on the original",
        "Claude: done · GPT: failed: timeout · tests: running on the original",
        "Claude: done · GPT: failed: timeout · tests: running on the original and Claude",
        "Claude: done · GPT: failed: timeout · tests: running on Claude",
        "Claude: done · GPT: failed: timeout · tests: done",
    ]


def test_a_failed_judgment_names_what_it_was_judging():
    lines: list[str] = []
    lanes = Lanes({"claude": "Claude", "gpt": "GPT"}, lines.append)
    lanes.judging("gpt", "claude")
    lanes.failed("gpt", "rate_limited", target="claude")
    lanes.finished()
    assert lines[-2] == "Claude: waiting · GPT: failed: rate_limited judging Claude's proposal"
    assert lines[-1] == "Claude: done · GPT: failed: rate_limited judging Claude's proposal"


def test_token_counts_alone_are_sent_at_most_every_interval():
    lines: list[str] = []
    lanes = Lanes({"claude": "Claude", "gpt": "GPT"}, lines.append)
    lanes.writing("gpt", 10)
    for tokens in range(11, 200):  # a stream's burst of deltas
        lanes.writing("gpt", tokens)
    assert lines == ["Claude: waiting · GPT: writing, 10 tokens"]
    lanes.writing("claude")  # any other change carries the latest count
    assert lines[-1] == "Claude: writing · GPT: writing, 199 tokens"


def test_three_versions_running_read_as_a_sentence():
    said: list[str] = []
    lanes = Lanes({"claude": "Claude", "gpt": "GPT"}, said.append)
    for version in ("original", "gpt", "claude"):
        lanes.tests_running(version)
    assert said[-1].endswith("tests: running on the original, GPT and Claude"), said
