"""Run every rule's own examples: each `match` example must be hit by that rule, each
`no_match` example must not be."""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from .models import Rule


class SpanMatcher(Protocol):
    def match(self, text: str) -> list[tuple[str, int, int]]: ...


class ExampleFailure(NamedTuple):
    rule: Rule
    example: str
    expected: bool   # True: should have matched

    def __str__(self) -> str:
        want = "should match but does not" if self.expected else "should not match but does"
        return f"{self.rule.source}:{self.rule.line}: {self.rule.id}: example {want}: {self.example!r}"


def run_examples(rules: Sequence[Rule], matcher: SpanMatcher) -> list[ExampleFailure]:
    """A rule's examples are about the rule itself, so overlaps with other rules are kept."""
    find = getattr(matcher, "match_all", matcher.match)
    failures = []
    for rule in rules:
        for text in rule.match_examples:
            if rule.id not in {rid for rid, _, _ in find(text)}:
                failures.append(ExampleFailure(rule, text, True))
        for text in rule.no_match_examples:
            if rule.id in {rid for rid, _, _ in find(text)}:
                failures.append(ExampleFailure(rule, text, False))
    return failures
