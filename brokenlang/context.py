"""ConText-style context for a failure hit: a small table of trigger phrases, each with a
category, a direction and a scope, decides whether the hit is asserted, resolved in the
text, or ignored (negated, zero count, conditional, rule, quoted, topic label...)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from .casefold import ascii_twin
from .casefold import search as _search
from .memo import TextMemo
from .models import Entry, Hit
from .saferegex import ascii_superset, compiled, pattern_set, searcher
from .subject import plain_word_set

ASSERTED = "asserted"
RESOLVED = "resolved"


class Trigger(NamedTuple):
    category: str        # negated | zero | conditional | rule | resolved | pseudo
    direction: str       # forward (applies to hits after it) | backward | both
    pattern: re.Pattern[str]
    scope: int           # words between trigger and hit, at most


def _t(category: str, direction: str, pattern: str, scope: int) -> Trigger:
    return Trigger(category, direction, re.compile(pattern, re.I), scope)


# a failure named as a thing: 'the errors', 'accessibility issues', '502s'
_FAILURE_NOUN = (r"errors?|oom|ooms|crash(?:es)?|warnings?|timeouts?|failures?|exceptions?|bugs?|issues?|problems?"
                 r"|glitch(?:es)?|flakiness|[45]\d\ds")
# 'OOM gone', 'the errors went away': the failure itself went away. Not any thing that is
# gone: 'the config file is gone' and 'server has gone away' are failures.
_GONE = (r"(?:" + _FAILURE_NOUN + r"|outages?|downtime) (?:(?:are|is|now|all|completely|has|have|had|finally|just) )*"
         r"(?:gone|went away|gone away|ended)")
# 'bot posting again', 'events syncing normally', 'transcription completes now': a thing
# doing its work again. Only verbs of a state, not of an action one may simply repeat
# ('deploying again', 'runs again at 5').
_DOING = (r"(?:syncs|syncing|posts|posting|sends|sending|completes|connects|delivers|delivering|uploads|uploading"
          r"|streams|streaming|renders|rendering|publishes|publishing|loads|loading|responds|replies|replying)")
# 'no more JSONDecodeError in the logs': a failure that stopped (not 'no more credits')
_NO_MORE = (r"no more (?:\w+ )?(?:errors?|crash(?:es)?|timeouts?|failures?|exceptions?|warnings?|ooms?|[45]\d\ds?"
            r"|\w+(?:error|exception)s?)")
_DOING_AGAIN = _DOING + r" (?:now|again)"
# 'all fine now', 'connected again': said by the resolved trigger and by both statement cues
_FINE_NOW = r"(?:all )?(?:fine|good|ok|okay) now|(?:re)?connect(?:ed|ing|s) again"
_DOING_FINE = _DOING + r" (?:fine|normally|properly|correctly|as expected)"


DOING_CUE = re.compile(r"\b(?:" + _DOING_AGAIN + "|" + _DOING_FINE + r")\b", re.I)
DOING_CUE_TWIN = ascii_twin(DOING_CUE)


def without_doing_cue(text: str, words: frozenset[str]) -> frozenset[str]:
    """The subject words of a resolution statement (`words`: those of `text`) without the
    verb of a cue like 'posting again': like 'works' in 'works again' it says that the
    thing works, not what it is ('Discord bot posting again' is not about Slack's
    'bot can't post')."""
    if text.isascii():   # RE2 on the lowercase, as the other cues (subject words are lowercase)
        low = text.lower()
        return plain_word_set(DOING_CUE_TWIN.sub(" ", low)) if _DOING_RE2(low.encode()) else words
    return plain_word_set(DOING_CUE.sub(" ", text)) if DOING_CUE.search(text) else words


# Order does not matter; categories are resolved by PRIORITY below.
TRIGGERS: tuple[Trigger, ...] = (
    # pseudo-triggers: look like a trigger but are not one ("fix needed", "not only")
    _t("pseudo", "both", r"\b(?:fix(?:es)? (?:is |are )?(?:needed|required|pending)|needs? (?:a |to be )?fix(?:ed|ing)?"
       r"|(?:need|needs|have|has|trying|tried|try|attempt(?:ed|ing)?|want|going) to (?:fix|resolve|solve)"
       r"|to be (?:fixed|resolved|solved)|being (?:fixed|resolved|solved|repaired|patched)"
       r"|(?:must|should|has to|have to|will|can|could) be (?:fixed|resolved|solved|repaired|patched)"
       r"|(?:not|never|un) ?(?:yet )?(?:fixed|resolved|solved)|unfixed|unresolved"
       r"|possible (?:fix|fixes|solutions?)|potential (?:fix|fixes)|will (?:fix|resolve)|should (?:fix|resolve)"
       r"|fix (?:it|this) (?:later|tomorrow)|no fix|without (?:a )?fix|not only|no doubt|no matter|nothing but"
       r"|partially (?:fixed|resolved)|until (?:\w+ ){0,3}(?:is |are |gets? |has been )?(?:fixed|resolved|solved)"
       # a fix to come: 'will set it up when back online'
       r"|(?:when|once|as soon as) (?:\w+ ){0,3}(?:is |are |gets? |comes? )?(?:back online|back up|back to normal"
       r"|fixed|resolved|restored)"
       r"|fix didn'?t|fix did not|fix failed|still (?:broken|failing|fails)|even after fixing|despite fixing"
       r"|fixed nothing|(?:didn'?t|did not|doesn'?t|does not) (?:fix|resolve|solve)"
       # 'a previously referenced path was missing': an attribute, not 'it previously failed'
       r"|(?:a|an|the|its|their|our|my) (?:previously|initially)"
       # the failure found or told, not fixed: 'successfully reproduced the crash'
       r"|successfully (?:created|filed|opened|reported|logged|documented|identified|reproduced|diagnosed"
       r"|detected|captured|triaged)"
       r"|(?:not|never|isn'?t|aren'?t|wasn'?t|weren'?t) (?:all |yet )?(?:fine|good|ok|okay|stable|clean)"
       r" (?:now|again))\b", 0),
    # ('is resolve', a slip for 'is resolved'; not the todo 'Resolve the block')
    _t("resolved", "both", r"(?:\b(?:fixed|resolved|(?:is|are|was|were|got|been) resolve|solved|fix:|fixed:"
       r"|mitigated|patched|repaired|corrected|rectified|remedied|restored|recovered|succeeded|successfully|unblocked"
       r"|no longer|back online|back up|back to normal|works now"
       # ('Posts resumed after API issues'; not the action 'resumed the sync')
       r"|resumed(?! the\b| an?\b| my\b| our\b| its\b| their\b| this\b| that\b| work)"
       # what was missing, now there: 'Added missing exports', 'Created the missing pages'
       r"|(?:added|created|backfilled|filled in) (?:the |all the |all )?missing"
       r"|works again|working again|running again|up again|passing again|passes again|green again"
       r"|verified (?:it |the fix )?(?:works|working|stable|healthy|fixed|resolved)"
       r"|working now|now works|now working|now passes|passing now|now running|now fixed|addressed"
       r"|now [*_]*(?:fully |back )?[*_]*(?:operational|functional|healthy|online|responsive|stable)"
       r"|sorted out|cleared up|was (?:fixed|resolved)|until (?:the|we|i|it)"
       r"|stable (?:now|again)|" + _FINE_NOW + "|" + _GONE + "|" + _DOING_AGAIN +
       r"|fixes"
       r"|previously|initially|at first|used to|formerly|after fixing)\b|✅\s*(?:fixed|resolved|done|solved)"
       # a to-do closed by an arrow: 'Fix the broken links → DONE (Feb 20)'
       r"|(?:→|->|=>|⇒)\s*[*_]*(?:done|completed?)[*_]*\s*(?:[(\[✅.!]|$)"
       # a result told after an arrow: 'Lint: FAIL -> installed eslint', 'gateway down → restarted it'
       r"|(?:→|->|=>|⇒)\s*[*_]*(?:installed|reinstalled|added|replaced|restarted|configured|switched|updated"
       r"|upgraded|rebuilt|rewrote|removed|migrated|enabled|re-?enabled|reverted|rolled back|bumped|pinned"
       r"|raised|increased|corrected|renamed|regenerated|rotated|refreshed|built|compiled|patched|fixed|resolved"
       r"|solved)\b)", 0),
    _t("negated", "forward", r"\b(?:no|not|never|without|none|nothing|neither|nor|didn'?t|did not|doesn'?t"
       r"|does not|don'?t|do not|isn'?t|is not|wasn'?t|was not|aren'?t|are not|weren'?t|were not|hasn'?t"
       r"|has not|haven'?t|have not|won'?t|cannot rule|free of|absence of|ruled out|rule out|zero|false)\b"
       r"(?!-\w)", 4),   # not in a compound: 'timeout/no-output failures'
    _t("negated", "backward", r"\b(?:not (?:a|an|the) (?:real|actual)|(?:was|is|were|are) (?:not|n'?t) (?:real|actual)"
       r"|false (?:alarm|positive)|not (?:an? )?issue|non-issue|(?:is|was) fine|ruled out|not confirmed"
       r"|expected)\b", 4),
    # the failing thing dealt with, told after it: 'service was DOWN - started and enabled it'
    _t("remedied", "backward", r"\b(?:re)?(?:started|enabled|installed|connected|authenticated|loaded|initiali[sz]ed)"
       r"(?: and (?:re)?\w+ed)? (?:it|them)\b", 0),
    # a hit dismissed later in its sentence: '⚠️ Gateway unreachable — auth scope, not a service issue'
    _t("dismissed", "backward", r"\b(?:not (?:an?|the) (?:\w+[ -]){0,2}(?:issue|problem|failure|outage|bug|error"
       r"|concern|regression)"
       r"|(?:is|are|was|were) (?:harmless|benign|expected|cosmetic|bogus|spurious|a false alarm|a false positive"
       r"|a red herring)"
       r"|(?:harmless|benign|cosmetic|false alarm|false positive|can be ignored|safe to ignore"
       r"|nothing to worry))\b|\((?:expected|normal|by design|intended|harmless|benign|deliberate|intentional)\b"
       # a verdict after a comma or dash: 'WhatsApp: cycling disconnects (~30min), normal', 'fails on overlap,
       # deliberately'
       r"|[,—–]\s*(?:normal|expected|as expected|by design|deliberately|intentionally|on purpose)\s*(?:[.;)]|$)", 15),
    # a number going down, not a service: 'budget is down to $120', 'errors down by 40%'
    _t("metric", "backward", r"^\s*(?:to|by|from)\s+(?:about\s+|~)?[$€£]?\d", 0),
    # designed handling of failures, not a failure: 'added retries for timeouts'
    _t("conditional", "forward", r"\b(?:retries|retry|retrying|handling|handles?|catch(?:es|ing)?|guards?"
       r"|protection|fallbacks?|alerts?|alerting|tests?|monitoring|banners?|toasts?|detection|messages)"
       r" (?:for|on|against|from|of|when)\b"
       # what a check finds when it is there: 'now flags likely missing intake notes'
       r"|\b(?:flags|flagging|detects|detecting) (?:likely|possible|potential|any|all|every|each)\b"
       # looked for, not found: 'Checked for merge conflicts'
       r"|\b(?:checked|checking|looked|looking|scanned|scanning|searched|searching|grepped|grepping) for\b"
       r"(?! \d| ~| an? | hours\b| days\b| minutes\b| weeks\b| ages\b| several\b| about\b| over\b| nearly\b"
       r"| almost\b| too long\b)", 3),
    _t("zero", "forward", r"(?:^|[\s(|*])(?:0|zero|no)\s+(?=\S)", 1),
    _t("zero", "backward", r"^[\s*_|:=`]*(?:0|0\.0+|0 ?%|none|zero|n/a|nil)(?![\w.%-]*[1-9])\b", 0),
    _t("conditional", "forward", r"\b(?:if|unless|whenever|in case(?: of)?|in the event(?: of| that)?|otherwise"
       r"|what if|should (?:it|the|a|an|this|that|anything|something|any)|when(?:ever)?|once|in order to avoid"
       r"|to (?:avoid|prevent)|prevents?|avoids?|handles?|handling|protects? against|guards? against|retry on"
       r"|retries on|recover from|recovers from|fallback for|fall back on"
       # a rule for every case: 'After every incident, failed deploy, rollback, or issue discovered'
       r"|(?:after|for|on|per) (?:every|each|any)"
       # a rule for the first case: 'Gates stop on first failure', 'abort on the first error'
       r"|\bon (?:the )?first"
       # what a thing is for: 'essential for detecting and reacting to stuck tasks'
       r"|for (?:detecting|catching|spotting|handling|preventing|avoiding|recovering from)"
       # what did not happen, or is now less likely: 'degrade gracefully instead of dying on one slow
       # command', 'less likely to hang indefinitely'
       r"|(?:instead of|rather than)(?! *[\"“])|(?:less|more|un) ?likely to"   # (before a quote: quoted)
       # a question a tool answers: 'records which safe Proton step failed or timed out'
       r"|(?:records?|recording|reports?|reporting|shows?|showing|logs|logging|tells?|captures?|capturing"
       r"|surfaces?|surfacing|tracks?|tracking|explains?|lists?|detects?|detecting) (?:which|whether|what|when|why|how)"
       r")\b", 8),
    _t("conditional", "backward", r"^[^.;]{0,40}?(?:→|->|=>|⇒)|^\s*=\s", 0),
    _t("quoted", "forward", r"\b(?:says?|said|asks?|asked|notify|tell|reply|replies|respond|message|prompt"
       r"|for example|such as|like|titled|named|called|phrases?|wording|text|instead of|rather than)\b"
       # 'e.g.' ends in a stop: no word boundary after it ('(e.g., "file not found")')
       r"[^\"“]{0,12}[\"“]|\be\.g\.[^\"“]{0,12}[\"“]", 12),
)
PRIORITY = ("resolved", "negated", "dismissed", "metric", "zero", "conditional", "quoted")

IMPERATIVE_START = re.compile(
    r"^(?:never|don'?t|do not|avoid|always|must|should|make sure|ensure|remember to|remember|check|verify|look for"
    r"|look at|watch for|watch|monitor|log|report|notify|ask|escalate|alert|retry|restart|roll ?back|rollback|triage"
    r"|wait|stop|use|keep|run|re-?run|try|test|confirm|review|inspect|document|record|track|grep"
    # 'investigate the deploy failure' takes the failure as given; 'investigate any failures' does not
    r"|investigate(?= (?:any|all|every|each|new|unexpected|recurring)\b)|search|open|read|write"
    r"|add|update|install|ping|call|reply|respond|tell|send|post|create|delete|remove|clear|reset)\b(?![:])\s+(?!failed|fails|errors?\b)"
    # a field label, not an order: 'Test Status: 2 failing', 'Report generated: ...'
    r"(?!(?:status|results?|summary|date|id|entry|history|counts?|signal|coverage|\w+ed)\b[*_]*:)",
    re.I)
RULE_WORDS = re.compile(
    r"\b(?:rules?|protocol|checklist|what to|how to|action if|actions? if|verify|never|always|don'?t|do not"
    r"|before|avoid|runbook|playbook|policy|policies|guidelines?|principles?|lessons?|tips|prevention"
    r"|instructions?|best practices?|do'?s|conventions?|if|when|whenever|in case)\b", re.I)
# a heading over a list of what did not work: 'Failed Approaches', 'Rejected ideas'
FAILED_LIST = re.compile(r"(?:failed|rejected|abandoned|dead[- ]end) (?:approaches|attempts|ideas|experiments"
                         r"|strategies|paths|options|solutions|fixes|tries)\b", re.I)
TOPIC_HEADING = re.compile(
    r"^(?:known |common |open |recent |potential |typical |other |parsing |\w+ )?"
    r"(?:issues|problems|errors|bugs|failures"
    r"|crashes|incidents|outages|debugging|troubleshooting|blockers|limitations|caveats|gotchas)\b"
    r"|what (?:doesn'?t|didn'?t|does not|did not|won'?t|isn'?t|wasn'?t) work(?:ing|s|ed)?\b"
    r"|what (?:was|were|went|had gone|had been) (?:wrong|broken)\b|what broke\b"
    r"|(?:error|failure|crash|incident|outage"
    r"|bug|issue|problem|exception|timeout|retry|fault)s? (?:handling|recovery|rules|modes?|encountered|log"
    r"|tracking|solutions|prevention|management|policy|budget|report|reporting|triage|fixes|analysis|list|notes"
    r"|history|patterns|rate|review|retrospective|postmortem|detection|monitoring)\b", re.I)
# a test or feature named, then its verdict: the failure words name what is tested
PASSED_CASE = re.compile(r"(?:\s[-–—→]|:)\s*[*_]*(?:PASSING|PASSED|PASSES|PASS|VERIFIED|✅)[*_]*[\s.!]*$")
# a heading over a list of what was taken out: its cross marks mark the items removed, not failed
REMOVED_HEADING = re.compile(r"\b(?:removed|deleted|dropped|eliminated|deprecated|retired|decommissioned|pruned"
                             r"|cut|elimination|removals?|deletions?)\b", re.I)
CROSS_MARK = re.compile("[❌✗✘]")
# a heading over a list of what is wrong: "What's Broken Right Now", 'What is still blocked'
WHAT_HEADING = re.compile(r"^what(?:'s|’s| is| are)(?: (?:still|currently|now))? (?:broken|blocked|failing|wrong|down"
                          r"|not working|missing)\b", re.I)
STRIP_LEAD = re.compile(r"^[\s>#*_~\-+•\d.)\[\]xX✅❌⚠️🔴🟢🟡🚨🔍📧🌐🎉⏳🔁🧪📁🧠]*(?:\*\*[^*]+\*\*\s*:?\s*)?", re.U)
# a pair of outcomes: 'PASS/FAIL', 'reports what's passing or broken', 'whether it is up or down'
_OUTCOME = (r"(?:pass(?:ing|ed|es)?|ok|success(?:ful)?|succeeded|yes|true|working|healthy|up|executed|completed?|done"
            r"|sent|delivered|approved|accepted|published|posted|merged)")
SLASH_PAIR = re.compile(_OUTCOME + r"\s*(?:/|\bor\b)\s*$|^\s*(?:/|or\b)\s*" + _OUTCOME + r"\b", re.I)
WORD = re.compile(r"[\w'’]+")
# a '.' inside a word ('state.json', 'v1.2') ends nothing; a line that opens with a mark does
_CLAUSE_BREAKS = (r"\.(?!\w)|[;!?|()\[\]—–]|\n\s*(?:[-*+•]|\d+[.)]|❌|✅|⚠|🔴|🟢|✗|✓)"
                  r"|\bbut\b|\bhowever\b|\bthough\b|\balthough\b|\bwhereas\b|\bwhile\b| - |:\s")
TERMINATORS = re.compile(_CLAUSE_BREAKS + r"|\bstill\b|\bagain\b|\byet\b|\bkeeps?\b|\bremains?\b")
# after 'if', 'still' and 'again' are part of the condition: 'if any question still fails'
IF_CUE = re.compile(r"if|unless", re.I)
IF_TERMINATORS = re.compile(_CLAUSE_BREAKS)
SENTENCE_END = re.compile(r"[.;!?](?:\s|$)|\bbut\b|\bhowever\b")
CLAUSE_END = re.compile(r"\bbut\b|\bhowever\b|\bthough\b|\balthough\b|\bwhereas\b|\bstill\b|\bagain\b|\bkeeps?\b"
                        r"|\bremains?\b|;|\bnot yet\b|\bthen\b.{0,20}\b(?:failed|broke|crashed)", re.I)


# what only finds a failure ('Identified the cron notifier failure') fixes nothing, ticked or
# under a heading of done work
_FOUND_VERB = (r"[*_\s]*(?:identified|found|discovered|diagnosed|investigated|documented|logged|reported|noted"
               r"|flagged|reproduced|confirmed|triaged|filed|traced|spotted|noticed)\b")
DONE_BOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[xX✓✔]\]\s(?!" + _FOUND_VERB + ")", re.I)
FOUND_ONLY = re.compile(r"^\s*(?:(?:[-*+]|\d+[.)])\s+)?(?:\[[ xX✓✔]\]\s)?" + _FOUND_VERB, re.I)


def only_found(entry: Entry) -> bool:
    """The entry opens by finding a failure, not fixing it."""
    return FOUND_ONLY.match(entry.text) is not None


STRIKE = re.compile(r"~~(?!\s).+?~~", re.S)


def _struck(text: str, hit: Hit) -> bool:
    return "~~" in text and any(m.start() <= hit.start and hit.end <= m.end() for m in STRIKE.finditer(text))


# what a field line opens with before its label: list marks, numbers, quote marks, emphasis
FIELD_LEAD = r"^[\s>*_\-+\d.)]*"
# a field that says there is no fix: '**Fix/workaround:** None yet; previously tried a restart'
NO_FIX_FIELD = re.compile(FIELD_LEAD + r"(?:fix|fixes|solution|remedy|resolution|workaround)(?:/\w+)?[*_\s]*:[*_\s]*"
                          r"(?:none|nothing|n/?a|tbd|unknown|not yet|no fix|no solution)\b", re.I)


class Context(NamedTuple):
    status: str          # asserted | resolved | ignored
    reason: str | None   # for ignored: negated | zero count | conditional | rule | quoted | topic heading ...


def classify(entry: Entry, hit: Hit, under_lead_in: bool = False, in_rule_section: bool = False) -> Context:
    """Decide what the entry says about the failure hit."""
    text = entry.masked
    before, after = text[:hit.start], text[hit.end:]
    if SLASH_PAIR.search(before[-12:]) or SLASH_PAIR.search(after[:12]):
        return Context("ignored", "template field")
    if _quoted_name(before, after):
        return Context("ignored", "quoted")
    if _struck(entry.text, hit):
        return Context(RESOLVED, None)  # ~~struck through~~: no longer true
    found = _triggers(text, hit)
    if DONE_BOX.match(entry.text) and "zero" not in found and "negated" not in found:
        return Context(RESOLVED, None)  # a ticked task, unless the hit is a count of none ('0 parse errors')
    if "resolved" in found and not NO_FIX_FIELD.match(text):
        return Context(RESOLVED, None)
    if entry.kind == "heading" and FIX_LABEL.search(text, 0, hit.start) and not PSEUDO.search(text):
        return Context(RESOLVED, None)  # '## CRITICAL FIX: Duplicate Completion Alerts (Done Bug)'
    title = _stripped(entry.section) if entry.kind == "heading" else _label_only(text)
    if title and (FAILED_LIST.match(title) or WHAT_HEADING.match(title)
                  or (TOPIC_HEADING.search(title) and not _predicate_near(text, hit))):
        return Context("ignored", "topic heading")
    if entry.kind == "heading" and section_rule(entry.section):
        return Context("ignored", "rule")   # '### KEY LESSON: Sonnet hallucinates IDs'
    if PASSED_CASE.search(text, hit.end):
        return Context("ignored", "test case")   # 'Feature #72: Creating project with empty name shows error - PASSING'
    if entry.kind == "item" and hit.start <= _lead_len(text) + 2 and CROSS_MARK.search(hit.text) \
            and REMOVED_HEADING.search(entry.section):
        return Context("ignored", "topic heading")   # '### What Was Removed' over '- ❌ `.trigger` file — ...'
    if entry.kind == "table_row" and _is_row_label(text, hit):
        return Context("ignored", "table label")
    if entry.kind in ("item", "paragraph", "table_row") and (_imperative(text, hit) or _label_then_rule(text, hit)
                                                             or _rule_label(text, hit)):
        return Context("ignored", "rule")
    for cat in PRIORITY[1:]:
        if cat in found:
            return Context("ignored", _REASON[cat])
    if _asked(text, hit):
        return Context("ignored", "question")
    lesson = (m := LESSON_LABEL.match(text)) is not None and m.end() <= hit.start
    in_rule_section = in_rule_section or lesson
    if (under_lead_in or in_rule_section) and not _has_timestamp(text) \
            and not (in_rule_section and (_recounted(text, hit) or _status_line(text, hit))):
        return Context("ignored", "rule")
    return Context(ASSERTED, None)


# what a quoted phrase names: the '"failed payments" dashboard' is a dashboard, not a failure
NAME_NOUNS = re.compile(
    r"^[\s*_]*(?:dashboards?|reports?|labels?|tags?|tabs?|pages?|views?|channels?|folders?|columns?|filters?"
    r"|queues?|categor(?:y|ies)|templates?|sections?|headings?|buttons?|lists?|metrics?|alerts?|panels?|boards?"
    r"|widgets?|fields?|emails? template|playbooks?|runbooks?|docs?|articles?|tickets? type|states?)\b", re.I)
QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’"}


def _quoted_name(before: str, after: str) -> bool:
    """Is the hit inside a quoted phrase on its line that names the thing after it?"""
    line_before = before[before.rfind("\n") + 1:]
    for i in range(len(line_before) - 1, -1, -1):
        close = QUOTES.get(line_before[i])
        if close is None:
            continue
        if line_before[i] == "'" and i > 0 and line_before[i - 1].isalnum():
            continue   # an apostrophe ("can't"), not a quote
        if close == line_before[i] and line_before.count(close, 0, i) % 2:
            return False   # a closing quote: the hit is after the quoted phrase, not in it
        end = after.find(close)
        if end < 0 or "\n" in after[:end]:
            return False
        return bool(NAME_NOUNS.match(after[end + 1:]))
    return False


_REASON = {"negated": "negated", "dismissed": "dismissed", "metric": "metric", "zero": "zero count",
           "conditional": "conditional", "quoted": "quoted"}


def _stripped(s: str) -> str:
    return STRIP_LEAD.sub("", s).strip()


PREDICATE = re.compile(r"\b(?:failed|fails|failing|broke|broken|crashed|crashing|down|blocked|stuck|missing"
                       r"|ran out|not \w+|can'?t|cannot|couldn'?t)\b", re.I)


def _predicate_near(text: str, hit: Hit) -> bool:
    """A heading like 'Deploy failed' states something; 'Known Issues' only names a topic."""
    return bool(PREDICATE.search(text))


def _is_row_label(text: str, hit: Hit) -> bool:
    cells = text.split("|")
    first = next((c for c in cells if c.strip()), "")
    start = text.find(first)
    return start <= hit.start and hit.end <= start + len(first) and len(first.split()) <= 3


STRONG_RULE = re.compile(r"^(?:never|don'?t|do not|avoid|always|must|make sure|ensure|remember)\b", re.I)


def _imperative(text: str, hit: Hit) -> bool:
    """'Check gateway logs for errors' is a rule; 'Search API returned 429' and 'Test suite
    failed' only start with a word that can be a verb."""
    lead = _stripped(text)
    start = len(text) - len(lead)
    cond = CONDITION_LABEL.match(lead)
    if cond is not None:   # '**If blocked:** Report that gog is unavailable': a runbook line
        rest = lead[cond.end():]
        return start + cond.end() <= hit.start and bool(IMPERATIVE_START.match(rest) or RULE_VERB.match(rest))
    if start > hit.start:
        return False
    look = LOOK_FOR.match(lead)
    if look is not None and start + look.end() >= hit.start:   # 'Look for failed builds': what to look for
        return True
    if not IMPERATIVE_START.match(lead):
        return False
    return bool(STRONG_RULE.match(lead)) or not PAST.search(text[start:hit.end])


# an order to look for something, the failure right after it
LOOK_FOR = re.compile(r"(?:look|watch|search|check|scan|grep|filter) (?:for|at) (?:any |all |the |new )?", re.I)


# a condition as the label of a line: 'If blocked:**', 'When the relay drops:'
CONDITION_LABEL = re.compile(r"(?:if|when|whenever|in case|upon|once)\b[^:\n]{0,50}:[*_\s]*", re.I)


LABEL_COLON = re.compile(r"[^:]{0,40}:\s+(.*)", re.S)
RULE_VERB = re.compile(
    r"(?:stay|be|keep|ignore|skip|retry|report|ask|wait|restart|notify|escalate|tell|reply|respond|use|do not|"
    r"don'?t|never|always)\b", re.I)


# a line that is only a label over what follows: '**Known Issues & Investigations Needed**:'
LABEL_ONLY = re.compile(r"\s*(?:\*\*|__)([^*_\n]{1,80}?)[\s:]*(?:\*\*|__)[\s:]*$")
# a line that draws the lesson: 'Takeaway: DB corruption blocks exec workers'
LESSON_LABEL = re.compile(r"\s*(?:[-*+•]\s+)?[*_]*(?:takeaways?|lessons?(?: learned| learnt)?|key (?:learning|lesson)s?"
                          r"|learnings?|insights?|principles?)[*_]*\s*:[*_]*\s", re.I)


def _label_only(text: str) -> str:
    m = LABEL_ONLY.match(text) if text.startswith(("*", "_", " ")) else None
    return m.group(1) if m else ""


# a bold label that is itself an instruction: '**Be specific**: "Found 3 UX issues: login fails" not ...'
RULE_LABEL = re.compile(r"\s*(?:(?:[-*+•]|\d+[.)])\s+)?(?:\*\*|__)(?:be|stay|keep|never|always|don'?t|do not|avoid"
                        r"|make sure|ensure|remember)\b[^*_\n]{0,40}(?:\*\*|__)", re.I)


def _rule_label(text: str, hit: Hit) -> bool:
    m = RULE_LABEL.match(text)
    return m is not None and m.end() <= hit.start


def _label_then_rule(text: str, hit: Hit) -> bool:
    """'Errors in group chats: stay quiet unless mentioned' - a topic, a colon, an instruction."""
    m = LABEL_COLON.match(text[hit.end:])
    if m is None or hit.start > _lead_len(text) + 2:
        return False
    rest = m.group(1)
    return bool(STRONG_RULE.match(rest) or RULE_VERB.match(rest))


def _asked(text: str, hit: Hit) -> bool:
    """'Technique mismatch?', 'Is the relay down?': a question asserts nothing. A 'why'
    question takes the failure as given: 'Why does the sync keep failing?'"""
    if "?" not in text[hit.end:]:
        return False
    end = SENTENCE_MARK.search(text, hit.end)
    if end is None or end.group() != "?":
        return False
    start = max([0, *(m.end() for m in SENTENCE_MARK.finditer(text, 0, hit.start))])
    return not PRESUPPOSING_QUESTION.search(text[start:end.start()])


SENTENCE_MARK = re.compile(r"[.!?\n](?=\s|$)")
PRESUPPOSING_QUESTION = re.compile(r"\b(?:why|how come|what caused|what broke)\b", re.I)


def _recounted(text: str, hit: Hit) -> bool:
    """'I crashed myself again by editing the config' under a lessons heading tells what
    happened; rules and lessons are stated in the present."""
    start = _lead_len(text)
    if start > hit.start:
        return False
    start = max([start, *(m.end() for m in SENTENCE_END.finditer(text, start, hit.start))])
    return bool(RECOUNT.search(text[start:hit.end]))


def _status_line(text: str, hit: Hit) -> bool:
    """'- ❌ Vercel: HTTP 404 (CLI not installed)' in a checklist reports a check's result;
    '- ❌ Wrong: force-pushing to main' states a rule."""
    m = STATUS_MARK.match(text)
    return m is not None and hit.end > m.end() and not DONT_LABEL.search(m.group(1))


# a red mark (as red_marked finds it), then a label of up to 40 characters and a colon
_RED_LEAD = r"[\s>*+•\d.)-]*(?:❌|🔴|✗|✘|🚨|🛑|⛔)"
STATUS_MARK = re.compile(_RED_LEAD + r"\uFE0F?\s*[*_]*([^:\n*_]{1,40}?)[*_]*:\s*")
DONT_LABEL = re.compile(r"\b(?:don'?t|do not|never|avoid|wrong|bad|anti-?patterns?|mistakes?|no|not|incorrect|instead"
                        r"|forbidden|banned)\b", re.I)


# a past event told, not the past participle of a rule ('once poisoned', 'Automated checks')
RECOUNT = re.compile(r"\b(?:was|were|did|had|got|ran|went|broke|came|took|kept|(?:I|we|it|they|he|she) \w+ed)\b",
                     re.I)


TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b")


def _has_timestamp(text: str) -> bool:
    return bool(TIMESTAMP.search(text))


def _words_between(s: str) -> int:
    return len(WORD.findall(s))


TWINS = tuple(ascii_twin(t.pattern) for t in TRIGGERS)
TriggerMatch = tuple[Trigger, int, int, str]   # trigger, start, end, matched text (lowercased if ASCII)


def _find_trigger_matches(text: str) -> list[TriggerMatch]:
    """Every match of a (non-pseudo) trigger in text that no pseudo-trigger overlaps, in
    TRIGGERS order."""
    if text.isascii():
        subject = text.lower()
        found = [(t, m) for t, twin in _ascii_candidates(subject) for m in twin.finditer(subject)]
    else:
        found = [(t, m) for t in TRIGGERS for m in t.pattern.finditer(text)]
    pseudo_spans = [m.span() for t, m in found if t.category == "pseudo"]
    got = []
    for t, m in found:
        s, e = m.span()
        if t.category != "pseudo" and not any(ps <= s < pe or ps < e <= pe for ps, pe in pseudo_spans):
            got.append((t, s, e, m.group(0)))
    return got


def _prefilter_source(twin: re.Pattern[str]) -> str:
    """An RE2 pattern that matches wherever `twin` matches, on lowercased ASCII text whose
    whitespace is all spaces (see _ascii_candidates): the lookaheads RE2 lacks are dropped,
    which only adds matches. Elsewhere the two agree: on ASCII, \\w, \\d and \\b are
    ASCII in both, and (their lookaheads dropped) the patterns use no \\S, \\W or case
    folding. A pattern RE2 still refuses leaves the set unbuilt: every trigger is tried."""
    return LOOKAHEAD.sub("", twin.pattern)


LOOKAHEAD = re.compile(r"\(\?[=!][^()]*\)")
# Python's \s also takes \v and \x1c-\x1f, RE2's does not: they are made spaces, which every
# pattern treats as it treats them (no pattern names one of them, or any whitespace but ' ')
# except that ' ' may match a literal space: more matches, never fewer
_SPACES = bytes(32 if chr(c).isspace() else c for c in range(256))


# None: every trigger is tried
_TRIGGER_SET = pattern_set([_prefilter_source(t) for t in TWINS], b"fixed")


def _ascii_candidates(low: str) -> list[tuple[Trigger, re.Pattern[str]]]:
    """The triggers (with their twin) that may match in lowercased ASCII text: one RE2 pass
    over the text rules out the others (most hit entries match two or three of them)."""
    if _TRIGGER_SET is None:
        return list(_TRIGGER_PAIRS)
    return [_TRIGGER_PAIRS[i] for i in sorted(_TRIGGER_SET(low.encode().translate(_SPACES)) or ())]


_TRIGGER_PAIRS = tuple(zip(TRIGGERS, TWINS, strict=True))


# depends on the text only: the hits of one entry (and repeated log lines) share it
_trigger_matches = TextMemo(_find_trigger_matches, texts=256, chars=1 << 62)


def _triggers(text: str, hit: Hit) -> set[str]:
    found: set[str] = set()
    low_hit = (hit.start, hit.end)
    for trig, s, e, matched in _trigger_matches(text):
        if s < low_hit[1] and e > low_hit[0]:
            if trig.category == "resolved" and not _inside_failure_phrase(matched):
                found.add("resolved")
            continue  # a trigger inside the hit belongs to the failure phrase itself
        if trig.category == "resolved" or (trig.category == "remedied" and s >= hit.end):
            if _same_clause(text, s, e, hit):
                found.add("resolved")
        elif trig.direction in ("forward", "both") and e <= hit.start:
            # with the marks a hit may open with ('— can't do') and its opening break ('but
            # can't send'; 'still fails' after a comma: 'No output, still fails'): they end a clause too
            gap = text[e:hit.start] + _lead_marks(hit.text)
            gap += _lead_break(hit.text, gap)
            ends = IF_TERMINATORS if trig.category == "conditional" and IF_CUE.fullmatch(matched) else TERMINATORS
            if _words_between(gap) <= trig.scope and not ends.search(gap) \
                    and (trig.category != "conditional" or _conditional_ok(gap, matched, hit.text)):
                found.add(trig.category)
        elif trig.direction in ("backward", "both") and s >= hit.end:
            gap = text[hit.end:s]
            if trig.category in ("zero", "metric"):
                if s == hit.end or not gap.strip(" *_|:=`"):
                    found.add(trig.category)
                continue
            if trig.category == "conditional":
                if s == hit.end or (_words_between(gap) <= 0):
                    found.add("conditional")
                continue
            if trig.category == "dismissed":
                if _words_between(gap) <= trig.scope and not SENTENCE_END.search(gap):
                    found.add("dismissed")
            elif _words_between(gap) <= trig.scope and not TERMINATORS.search(gap):
                found.add(trig.category)
    if "(" in text and _former_state(text, hit):
        found.add("resolved")
    if _risk(text, hit):
        found.add("conditional")
    rest = text[hit.end:]
    if (HANDLED_BACK.match(rest) or (FEATURE_AFTER.match(rest) and not ABSENT_START.match(hit.text))) \
            and not _has_timestamp(text):
        found.add("conditional")
    if METRIC_BACK.match(rest):
        found.add("metric")
    if "zero" not in found and ZERO_BACK.match(rest):
        found.add("zero")
    if "conditional" not in found and ((CONDITIONAL_BACK.match(rest) and hit.start <= _lead_len(text) + 2)
                                       or IF_AFTER.match(rest)):
        found.add("conditional")
    if "=" in text and LEGEND.match(text, 0, hit.end):
        found.add("conditional")
    if (m := LEVEL_LEGEND.match(text)) is not None and m.end() <= hit.start:
        found.add("conditional")
    return found


def _former_state(text: str, hit: Hit) -> bool:
    """'installed `requests` (was missing)', 'Re-derived the credentials (old ones returning
    401)': an aside that opens with 'was' or 'old' tells the state before the change the line
    reports."""
    opened = text.rfind("(", 0, hit.start)
    if opened < 0 or ")" in text[opened:hit.start] or ")" not in text[hit.end:]:
        return False
    return FORMER.match(text, opened + 1) is not None


FORMER = re.compile(r"\s*(?:was|were|old|previous|previously|formerly|before:)(?!\w)(?! (?:not|never)\b)", re.I)


# a risk, not an event: 'Could cause login failures if the schema drifts', 'might lead to a crash'
RISK = re.compile(r"\b(?:could|might|may|would) (?:potentially |possibly |also |eventually )?"
                  r"(?:cause|lead to|result in)\b", re.I)
RISK_REACH = 60   # characters before a hit a risk may start at


def _risk(text: str, hit: Hit) -> bool:
    """Does a risk phrase begin in the hit's clause before it, and run into it or up to it?
    (Not a trigger of the RE2 set: that set takes no lookahead, and the phrase may overlap
    the hit: 'could cause login failures' is matched as 'cause login failures'.)"""
    for m in RISK.finditer(text, max(0, hit.start - RISK_REACH), hit.end):
        if m.start() <= hit.start and (m.end() >= hit.start or not TERMINATORS.search(text, m.end(), hit.start)):
            return True
    return False


def _lead_marks(hit_text: str) -> str:
    """The dashes and stops among what a hit's text holds before its first letter or digit
    (not a parenthesis: '(429 cases)' is in the clause before it)."""
    for i, c in enumerate(hit_text):
        if c.isalnum():
            return "".join(m for m in hit_text[:i] if m in CLAUSE_MARKS)
    return ""


CLAUSE_MARKS = frozenset("—–-:;.!?|")
# a clause break a hit may open with (its rule takes the word in: 'but can't send')
HIT_BREAK = re.compile(r"\W*(but|however|though|although|whereas|still|yet)\b", re.I)


def _lead_break(hit_text: str, gap: str) -> str:
    """The clause break the hit opens with, as a word to add to the gap before it: 'but'
    and its kind always; 'still' and 'yet' after a comma ('No output, still fails'), not
    right after a negation ('not yet fixed', 'isn't still failing')."""
    m = HIT_BREAK.match(hit_text)
    if m is None or (m.group(1).lower() in ("still", "yet") and "," not in gap):
        return ""
    return " " + m.group(1)


def _trigger(category: str, direction: str) -> re.Pattern[str]:
    return next(t.pattern for t in TRIGGERS if t.category == category and t.direction == direction)


METRIC_BACK = _trigger("metric", "backward")
# designed handling said of the failure after it: 'broken links are checked weekly by lychee',
# 'timeouts get retried twice' (not 'errors are logged': that may be what one sees now)
HANDLED_BACK = re.compile(r"^[^.;:!?\n]{0,40}?\b(?:are|is|get|gets) (?:\w+ )?(?:checked|monitored|caught|handled"
                          r"|retried|validated|scanned|swallowed|suppressed|filtered|deduplicated|re-?queued)\b"
                          # designed behaviour: 'now fails gracefully with structured output', 'fail closed'
                          r"|^\s*(?:gracefully|safely|loudly|closed)\b", re.I)
# a failure word naming a feature that deals with failures: 'comprehensive error handling', 'network error
# detection for connection failures', 'error boundary', 'error states'
FEATURE_AFTER = re.compile(r"[\s*_]*(?:handling|handler|handlers|detection|boundar(?:y|ies)|class|classes|toasts?"
                           r"|banners?|states|recovery|reporting|tracking|logging)\b", re.I)
# ... unless the hit says the feature is missing: 'Missing error handling'
ABSENT_START = re.compile(r"[\s*_]*(?:missing|no|lacks?|lacking|without)\b", re.I)
# what a condition means, as a legend or a rule gives it: 'Degradation alert: 3+ consecutive <10 jobs =
# red alert', '**N > 500** = it is eating live audio'
LEGEND = re.compile(r"[^.;=]{0,60}?(?:[<>≥≤]\s*\d|\d\s*\+)[^.;=]{0,40}?\s=\s")
# what a severity level means: 'P1 = a feature is broken but the bot still operates', '🔴 = down'
LEVEL_LEGEND = re.compile(r"\s*(?:[-*+•]\s+)?[*_]*(?:p[0-4]|sev-?[0-4]|s[0-4]|tier [0-4]|level [0-4]|priority [0-4]"
                          r"|[🔴🟠🟡🟢⚪❌✅]|⚠\ufe0f?)[*_]*\s*=\s", re.I)
# the failure under a condition that follows it: 'the upsert is blocked if the SET clause omits type'
IF_AFTER = re.compile(r"[\s*_]+(?:only )?if\b(?! i (?:remember|recall)| memory serves)", re.I)
ZERO_BACK = _trigger("zero", "backward")
CONDITIONAL_BACK = _trigger("conditional", "backward")


def _lead_len(text: str) -> int:
    return len(text) - len(_stripped(text))


def _inside_failure_phrase(matched: str) -> bool:
    # "no longer works": the trigger is part of the failure, not a resolution
    return matched.lower() == "no longer"


def _conditional_ok(gap: str, cue: str, hit_text: str) -> bool:
    """'when I ran the migration it crashed' narrates; 'when the deploy fails' is a rule.
    The failure's own tense counts too: 'stopped when the connection dropped'. After 'if'
    the past is still a condition: 'if the bind config got corrupted'."""
    if not TEMPORAL_CUE.match(cue):
        return True
    return not PAST.search(gap) and not (PAST.search(hit_text) and not PRESENT_AUX.search(hit_text))


TEMPORAL_CUE = re.compile(r"when|once", re.I)
# a participle after these is no past event: 'when matches aren't found'
PRESENT_AUX = re.compile(r"\b(?:is|are|am|be|isn'?t|aren'?t|gets?|has|have|hasn'?t|haven'?t)\b", re.I)


PAST = re.compile(r"\b(?:was|were|did|had|got|ran|went|saw|tried|made|broke|hit|sent|came|took|began|found|left"
                  r"|kept|said|told|gave|put|set|\w+ed)\b", re.I)


def _same_clause(text: str, s: int, e: int, hit: Hit) -> bool:
    if e <= hit.start:
        gap = text[e:hit.start]
        # after a comma, the hit's own 'still' opens another clause: 'fixed for X, Y still broken'
        # (not 'fixed the bug where the sync still crashed')
        # and a fix told in an earlier sentence is of something else: 'Fixed the login. Deploy failed'
        return not CLAUSE_END.search(gap) and not ("," in gap and STILL.match(hit.text)) \
            and not _another_sentence(gap)
    gap = text[hit.end:s]
    if not CLAUSE_END.search(gap):
        return True
    # what was done next, told after a semicolon: 'Deploy failed; fixed by setting the env var',
    # 'OOM; upgraded the plan and verified it stable' (not 'Deploy failed; Slack fixed')
    cut = gap.rfind(";")
    return cut >= 0 and not CLAUSE_END.search(gap, 0, cut) and DONE_NEXT.match(text, hit.end + cut + 1) is not None


DONE_NEXT = re.compile(r"[\s*_]*(?:\w+ed|rebuilt|rewrote|reran|swapped|set)\b", re.I)


def _another_sentence(gap: str) -> bool:
    """Does a sentence end in the gap, the next one not explaining the fix told before it
    ('Fixed. The issue was simple: the job was missing its target')?"""
    stop = SENTENCE_STOP.search(gap)
    return stop is not None and not (EXPLAINS.match(gap, stop.end()) and not SENTENCE_STOP.search(gap, stop.end()))


SENTENCE_STOP = re.compile(r"[.!?](?:\s|$)")
# a sentence that tells what the fixed failure was
EXPLAINS = re.compile(r"\s*(?:the |its )?(?:root )?(?:issue|problem|cause|bug|culprit|error|failure)s? (?:was|were)\b",
                      re.I)
STILL = re.compile(r"\s*(?:still|again|not yet)\b", re.I)


def is_resolution_statement(entry: Entry) -> bool:
    """An entry that reports a fix or success, with no failure of its own ('Gateway now running ✅')."""
    return resolution_statement_text(entry.masked)


# a heading that names the fix of what follows: '## Bug fix: login crash', '### Hotfix — deploy failure'
FIX_LABEL = re.compile(r"\b(?:hot|bug)?fix(?:ed|es)?[\s*_]*[:—–-]\s", re.I)
# a heading that names a fix: '### Infrastructure Fix', '## Mission Control Fixes (3 bugs squashed)',
# '### Search Field Fix ✅'; not what is to be done ('### Issues to Fix')
FIX_HEADING = re.compile(r"(?<!\bto )\b(?:hot|bug)?fix(?:es)?\b[\s*_]*(?:$|[:(\-—–|✅✔☑])", re.I)


# a heading over a list of fixes: 'What was fixed:', 'Fixes applied', 'Issues resolved today'
FIXES_LIST_HEADING = re.compile(
    r"^(?:what (?:was|were|got|we|i|has been|have been) (?:fixed|resolved|solved|repaired)"
    r"|(?:fixes|bug ?fixes|fixed|resolved|solved)(?: (?:applied|today|issues|bugs|items|problems))?"
    r"|(?:issues?|bugs?|problems?|errors?|items?) (?:fixed|resolved|solved|closed)(?: today)?)\W*$", re.I)


def heading_lists_fixes(heading: Entry) -> bool:
    """Every failure under such a heading is one that was fixed, in any tense."""
    return bool(FIXES_LIST_HEADING.match(_stripped(heading.section)))


def heading_reports_fix(heading: Entry) -> bool:
    """A heading that ends on the noun 'Fix' (or puts it before a colon, dash or
    parenthesis) reports one, unless it asks for it ('Possible fix', 'Needs fix')."""
    text = heading.masked
    return "fix" in text.lower() and bool(FIX_HEADING.search(text)) and not PSEUDO.search(text) \
        and not NOT_A_REPORT.search(text)


def resolution_statement_text(text: str) -> bool:
    """is_resolution_statement of an entry whose masked text is `text`."""
    if not text.isascii():
        return _unicode_resolution[text]
    low = text.lower()
    if _STATEMENT_SET is not None:
        found = _STATEMENT_SET(low.encode()) or ()
        # a cue, no pseudo cue, and NOT_A_REPORT not even possible (or, possible, not there)
        return 0 in found and 1 not in found and (2 not in found or not NOT_A_REPORT_TWIN.search(low))
    return bool(_resolution_cue(low.encode())) and not PSEUDO_TWIN.search(low) and not NOT_A_REPORT_TWIN.search(low)


def _unicode_resolution_statement(text: str) -> bool:
    return bool(RESOLUTION_CUE.search(text)) and not PSEUDO.search(text) and not NOT_A_REPORT.search(text)


# case-insensitive regexes, several times slower: worth keeping where log lines repeat (ASCII
# text is answered by RE2 in about the time a memo takes to look it up and keep it)
_unicode_resolution = TextMemo(_unicode_resolution_statement)


RESOLUTION_CUE = re.compile(
    r"\b(?:fixed|fixes|resolved|solved|fix:|mitigated|patched|repaired|corrected|rectified|remedied|restored|recovered|replenished"
    r"|succeeded|success|successful|successfully|breakthrough|unblocked|no longer|back online|back up"
    r"|back to normal|works|working|worked|now running|running again|confirmed|authenticated|installed"
    r"|reinstalled|passes|passing|passed|green|healthy|operational|functional|correct|clean run|proven"
    r"|verified|completed|done|up and running|re-?enabled|reconnected|responsive|responding|online"
    r"|available|loaded|ok|stable (?:now|again)|" + _FINE_NOW +
    r"|r[au]n(?:s|ning)? clean|clean now|cleanly|stable (?:since|for)|live (?:now|again)|resumed|delivered|arrived"
    r"|(?:is|are) (?:now |finally )?up (?:and running|again|now|with|on port)|(?:is|are) (?:now|finally) up"
    r"|back after (?:a |the )?(?:restart|restarting|reboot|rebooting|reconnect"
    r"|reconnecting|re-?auth|re-?login|reinstall|reinstalling|update|updating|upgrade|upgrading|fix|redeploy"
    r"|redeploying)"
    r"|(?:returns?|returning|returned|answers?|answering|responds? with|responded with) (?:an? |http |status )?2\d\d"
    r"|(?:tests?|checks?|specs?|suite|ci|build|pipeline) pass|behav(?:es|ing) (?:now|again|normally|correctly|properly)"
    r"|" + _NO_MORE + "|" + _GONE + "|" + _DOING_AGAIN
    + "|" + _DOING_FINE + r")\b|✅", re.I)
PSEUDO = _trigger("pseudo", "both")
# cues that say a failure went away, as opposed to ones that only say something went well
STRONG_CUE = re.compile(
    r"\b(?:fixed|fixes|resolved|solved|fix:|mitigated|patched|repaired|corrected|rectified|remedied|restored|recovered|replenished"
    r"|succeeded|successfully|breakthrough|unblocked|no longer|back online|back up|back to normal|works"
    r"|working|worked|now running|running again|authenticated|reinstalled|passes again|green again"
    r"|up and running|re-?enabled|reconnected|responsive again|responding again|stable again|" + _FINE_NOW
    + "|" + _NO_MORE + "|" + _GONE + "|" + _DOING_AGAIN
    + r")\b", re.I)


# what makes a text with a cue no report of a fix (asked of whole statements only: as a
# pseudo-trigger it would also hide the triggers it overlaps, such as 'no' in 'but no errors')
NOT_A_REPORT = re.compile(
    r"\b(?:(?:not|never|\w+n'?t) (?:\w+ ){0,2}cleanly"
    r"|resumed (?:the|a|an|my|our|its|their|this|that|work|working)"   # an action, not a recovery
    # a rule or a wish: 'make sure the tests pass', 'check that the deploy works'
    r"|make sure|ensure|always|must|should|need to|needs to|remember to|check that"
    # a workaround leaves the failure in place: '**Workaround:** local commit works, push deferred'
    # and so does a partial fix: '**Status:** Partial - only extensionAPI.js patched'
    r"|partial(?:ly)?|only partly|half[- ]fixed"
    # a limit, not a fix: 'SIP works only via the outbound pinhole', 'only works in Chrome'
    r"|(?:works?|worked|working) only|only (?:works?|worked|working)"
    r"|workarounds?(?=[*_ ]*:)"
    # what happens when: 'silent on success; alerts on failure'
    r"|on (?:success|failure|failures|errors?|completion)"
    # a thing that went away is a failure: 'the wrapper no longer exists'; the issues that
    # are 'no longer present' are not
    r"|(?!(?:is|are|was|were|" + _FAILURE_NOUN + r")\b)\w+(?: (?:is|are|was|were))? no longer (?:exists?|available"
    r"|works?|working|functional|responds?|responding|supported|maintained|accessible|reachable|valid|loads?"
    r"|loading|runs?|running|online|there|present|possible|allowed|accepted)"
    r"|pass(?:ing)? rates?"
    # a plan, a question, a hope or a habit: 'TODO: verify the export works', 'usually works'
    r"|verify|confirm|if|unless|whether|hopefully|hope|waiting to see|usually|typically|generally"
    # still to be done: '| Live test /status model aliases confirmed working | ⏳ pending |'
    r"|pending|not yet|yet to be"
    # a claim not checked: 'No verification that the SAM calculation is correct'
    r"|no (?:verification|proof|evidence|confirmation)|not (?:been )?(?:verified|confirmed|proven|tested)"
    r"|unverified|untested|unconfirmed"
    # a failure that came back: 'the errors came back after the update'
    r"|(?:errors?|crash(?:es)?|issues?|bugs?|problems?|outages?|timeouts?|failures?|exceptions?|warnings?"
    r"|alerts?|[45]\d\ds?)(?: \w+){0,3} back"
    # a success with a failure after 'but': 'tests passed locally but fail on CI'
    r"|(?:but|except|however|though|although)\b[^.;!?]{0,60}?\b(?:fail\w*|broken|breaks|crash\w*|errors?"
    r"|time[sd]? out|timing out|stuck|down|missing|not))\b|\?|⏳"
    r"|\b(?:todo|to-do|next(?: steps?)?|plan|goal|idea|question|q|ask|wish|to confirm|to check|to verify|to test)\s*:"
    # a cue word naming a kind of thing, not a state: '### Functional gaps', 'Available models: ...',
    # '**First noticed:** current operational block'
    r"|^[\s#>*_+•\d.)-]*(?:[\w ]{1,30}:[*_\s]+(?:current|the|an?|our|its|their) |(?:current|the|an?|our|its|their) )?"
    r"(?:functional|operational|available|healthy|online|responsive|green|stable|correct)"
    r" (?!(?:again|now|and|since|after|for|on|in|at|with|by|from|to|but|though|as|all|fully)\b)[a-z]",
    re.I)
NOT_A_REPORT_TWIN = ascii_twin(NOT_A_REPORT)
RESOLUTION_CUE_TWIN = ascii_twin(RESOLUTION_CUE)
PSEUDO_TWIN = ascii_twin(PSEUDO)
STRONG_CUE_TWIN = ascii_twin(STRONG_CUE)
# RESOLUTION_CUE_TWIN in RE2, several times faster; on ASCII text both \b are ASCII word boundaries,
# and the pattern has no lookaround or backreference, so both find a match in the same texts
_RESOLUTION_CUE_RE2: Callable[[bytes], bool] = searcher(compiled(RESOLUTION_CUE_TWIN.pattern))
# as _RESOLUTION_CUE_RE2: on ASCII the same \b, and no lookaround
_DOING_RE2: Callable[[bytes], bool] = searcher(compiled(DOING_CUE_TWIN.pattern))
# what resolution_statement_text asks when RE2 cannot build _STATEMENT_SET
_resolution_cue: Callable[[bytes], object] = _RESOLUTION_CUE_RE2
# resolution_statement_text's three questions in one pass: the cue and PSEUDO (no lookaround:
# as _RESOLUTION_CUE_RE2, the same answer; a set only says whether, never where, which is
# quicker), and a superset of NOT_A_REPORT (saferegex.ascii_superset),
# whose regex, several times slower, is then asked only of the few texts the superset finds
_STATEMENT_SET = pattern_set([RESOLUTION_CUE_TWIN.pattern, PSEUDO_TWIN.pattern,
                              ascii_superset(NOT_A_REPORT_TWIN.pattern)], b"fixed")


def strong_resolution(entry: Entry) -> bool:
    text = entry.masked
    if _STRONG_CUE_SET is not None and text.isascii():
        return bool(_STRONG_CUE_SET(text.lower().encode()))
    return bool(_search(STRONG_CUE, STRONG_CUE_TWIN, text))


# as _CUE_SET: on ASCII the same \b, and no lookaround
_STRONG_CUE_SET = pattern_set([STRONG_CUE_TWIN.pattern], b"fixed")


LEAD_RULE, LEAD_OPEN, LEAD_NO_FIX, LEAD_FIXED = "rule", "open", "no fix", "fixed"
# a label of these words alone ('**Before:**', 'When:') introduces no rule: 'Before deploying:' does
BARE_LEAD = frozenset({"before", "after", "when", "whenever", "if", "in case"})
# a label of what is not done yet: 'Remaining questions:', 'Still open:', 'Blockers:'
OPEN_LEAD = re.compile(r"\b(?:remaining|outstanding|pending|unresolved|unfixed|still|open|left"
                       r"|blockers?|questions?|known (?:issues?|problems?|bugs?)"
                       r"|not (?:yet )?(?:fixed|resolved|done|working))\b", re.I)
OPEN_LEAD_LONGEST = 40   # (for NO_FIX_LEAD too)
# ... of what is to be done ('Next steps:', 'TODO:') or was worked around ('**Workaround:**'):
# the items after it report no fix
NO_FIX_LEAD = re.compile(r"\b(?:todo|to-?do|next|plan|planned|action items?|follow-?ups?|workarounds?|stopgaps?)\b",
                         re.I)
# a label of what was fixed: 'Bugs fixed:', '**Build issue resolved:**', '**Critical (fixed):**'
FIXED_LEAD = re.compile(r"\b(?:fixed|resolved|solved|repaired|patched|squashed)\b", re.I)


LAST_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def lead_in(entry: Entry) -> str:
    """What a lead-in line says of the items after it: LEAD_RULE ('**Never do without
    confirmation:**', 'Action if issue:' govern them), LEAD_OPEN ('**Remaining questions:**':
    they are not part of a fix the heading reports), LEAD_NO_FIX (open too: steps to take,
    '**Next steps:**', or a workaround, '**Workaround:**', whose cue words report no fix:
    'Deploy the fixed build', 'Host metrics working'), LEAD_FIXED ('**Bugs fixed:**': the
    failures they name are the fixed ones) or ''."""
    t = _stripped_full(entry.masked)
    if not t.endswith(":"):
        return ""
    # the lead-in is the line's last sentence: '... waiting for Wave 5 before committing. But:'
    sentences = LAST_SENTENCE.split(t)
    t = sentences[-1]
    label = t[:-1].strip(" *_").lower()
    if label in BARE_LEAD:
        return ""
    if RULE_WORDS.search(t) or IMPERATIVE_START.match(_stripped(entry.masked if len(sentences) == 1 else t)):
        return LEAD_RULE
    if len(label) <= OPEN_LEAD_LONGEST:
        if NO_FIX_LEAD.search(label):
            return LEAD_NO_FIX
        if OPEN_LEAD.search(label):
            return LEAD_OPEN
    return LEAD_FIXED if FIXED_LEAD.search(label) and not PSEUDO.search(label) and "?" not in label else ""


SECTION_RULE = re.compile(r"\b(?:rules?|protocol|procedure|runbook|playbook|policy|policies|guidelines?"
                          r"|principles?|lessons?(?: learned)?|learnings|best practices?|checklist|instructions?|how to"
                          r"|what to|do'?s and don'?ts|conventions?|prevention|glossary|definitions?"
                          r"|terminology|vocabulary)\b"
                          # a thing put to work is news, not rules: '# 2026-02-17 Continuation Protocol Deployed'
                          r"(?! (?:deployed|implemented|shipped|launched|released|rolled out|built|activated|installed"
                          r"|in place|completed|live)\b)", re.I)
SECTION_RULE_TWIN = ascii_twin(SECTION_RULE)


# a commit that fixes: '- `85ec043` - Fix WhisperSTT device param', 'da48239: feat: add X + fix build errors'
COMMIT_LINE = re.compile(r"[\s>*+•\d.)-]*`?(?=[0-9a-f]{0,39}\d)(?=[0-9a-f]{0,39}[a-f])[0-9a-f]{7,40}`?(?![\w-])")
COMMIT_FIX = re.compile(r"\b(?:fix(?:es|ed)?|hotfix(?:es)?|bugfix(?:es)?|resolve[sd]?|patch(?:es|ed)?"
                        r"|repair(?:s|ed)?)\b", re.I)
COMMITS_HEADING = re.compile(r"\bcommits?\b|\bchangelog\b", re.I)
FIX_FIRST = re.compile(r"[\s>*+•\d.)_-]*(?:(?:task|todo|item|action)[*_]*\s*:[\s*_]*)?"
                       r"(?:fix(?:es|ed)?|hotfix|bugfix|resolve[sd]?|patch(?:es|ed)?|repair(?:s|ed)?)\b", re.I)


def committed_fix(entry: Entry, done: bool) -> bool:
    """A fix that was made, of the failure the entry names: a line that opens with a commit
    hash and whose message fixes ('- `85ec043` - Fix WhisperSTT crash on an empty device'),
    or, under a heading over commits or done work (`done`), an item or field that opens with
    the fix ('6. Fix analyzer ZeroDivisionError', '**Task:** Fix remove_dead_code false positive bug')."""
    m = COMMIT_LINE.match(entry.text)
    if m is not None:
        fixes = COMMIT_FIX.search(entry.text, m.end()) is not None
    else:
        fixes = done and entry.kind in ("item", "paragraph") and FIX_FIRST.match(entry.text) is not None
    return fixes and not PSEUDO.search(entry.masked)


# a heading over what was wrong before: 'What was wrong (v1)', 'What went wrong'
RETRO_HEADING = re.compile(r"^[\W\d]*(?:what (?:was|were|went|had gone|had been) (?:wrong|broken)|what broke)\b", re.I)


def retro_heading(heading: str) -> bool:
    """A past failure told under such a heading is history: the heading says it is over."""
    return RETRO_HEADING.match(heading) is not None


def commits_heading(heading: str) -> bool:
    return COMMITS_HEADING.search(heading) is not None


def section_rule(heading: str) -> bool:
    return bool(_search(SECTION_RULE, SECTION_RULE_TWIN, heading))


def _stripped_full(s: str) -> str:
    return s.strip().strip("*_ ").strip()


SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z*_`\"'(\[])|;|\bbut\b|\bhowever\b|\bwhereas\b|\balthough\b", re.I)


# SENTENCE for lowercased ASCII text: there its [A-Z] (with re.I) takes exactly the letters
SENTENCE_TWIN = ascii_twin(re.compile(SENTENCE.pattern.replace("[A-Z", "[a-z"), re.I))


# where SENTENCE_TWIN matches, this does (on lowercased ASCII whose spaces are all ' ', see
# _SPACES): the lookarounds dropped; most entries have no clause break and skip the regex
_CLAUSE_BREAK = pattern_set([r"[.!?]\s|;|\bbut\b|\bhowever\b|\bwhereas\b|\balthough\b"], b"a; b")


def clauses(text: str) -> list[tuple[int, int]]:
    """Character spans of the clauses of an entry."""
    if not text.isascii():
        return spans_between(text, SENTENCE.finditer(text))
    low = text.lower()
    if _CLAUSE_BREAK is not None and not _CLAUSE_BREAK(low.encode().translate(_SPACES)):
        return [(0, len(text))] if text else []
    return spans_between(text, SENTENCE_TWIN.finditer(low))


def spans_between(text: str, breaks: Iterator[re.Match[str]]) -> list[tuple[int, int]]:
    """The non-empty spans of `text` between the matches of `breaks`."""
    out, pos = [], 0
    for m in breaks:
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return [(a, b) for a, b in out if b > a]


ONGOING = re.compile(r"\b(?:still|again|keeps?|keeping|remains?|not yet|anymore|ongoing|persists?|cannot|can'?t"
                     r"|won'?t|doesn'?t|don'?t|is|are|am)\b", re.I)


def reports_past(entry: Entry, hit: Hit) -> bool:
    """'Root cause: the job was only logging' under '## Build - FIXED!' describes the fixed
    problem; 'X CANNOT use tools' under a success heading is a current fact."""
    a, b = next(((a, b) for a, b in clauses(entry.masked) if a <= hit.start < b), (0, len(entry.masked)))
    clause = entry.masked[a:b]
    if NOT_STATE.match(hit.text):   # 'NOT connected' is a state, not a past event: its own words tell no tense
        clause = clause[:hit.start - a] + " " * (hit.end - hit.start) + clause[hit.end - a:]
    elif "not" in hit.text.lower():   # 'API key not configured', 'XAI_API_KEY: Not found'
        clause = NOT_PARTICIPLE.sub(" ", clause)
    return bool(PAST.search(clause)) and not ONGOING.search(clause)


def contrasted(entry: Entry, hit: Hit) -> bool:
    """'Found the first bug, fixed it. But discovered deeper bugs': a failure told after a
    fix and a contrast is another one than the fix the heading reports ('the jobs ran but
    the notifications were failing' is the one fixed)."""
    text = entry.masked
    before = 0   # from the end of the clause before (the break may be the contrast: '. But')
    for a, b in clauses(text):
        if a > hit.start:
            break
        if b <= hit.start:
            before = b
    contrast = CONTRAST.search(text, before, hit.start)
    return contrast is not None and FIX_WORD.search(text, 0, contrast.start()) is not None


CONTRAST = re.compile(r"\b(?:but|however|yet|unfortunately|except|although|though)\b", re.I)
FIX_WORD = re.compile(r"\b(?:fixed|fixes|resolved|solved|patched|repaired|corrected)\b", re.I)


def red_marked(entry: Entry) -> bool:
    """An item marked failing ('- ❌ PGA Tour Stats: 403 blocked'): under a heading that
    reports a fix or a success it is what still fails, not what was fixed."""
    return RED_MARK.match(entry.masked) is not None


RED_MARK = re.compile(_RED_LEAD)


def still_open(entry: Entry) -> bool:
    """The entry tells the failure goes on ('cron still failing after the patch', 'not
    fixed yet'): under a line that reports fixes it is not one of them."""
    return STILL_OPEN.search(entry.masked) is not None or PSEUDO.search(entry.masked) is not None


STILL_OPEN = re.compile(r"\b(?:still|again|remains?|remaining|persists?|persisting|not yet|ongoing|recurr\w*)\b", re.I)


def left_open(entry: Entry) -> bool:
    """An item under a heading of fixes that tells what was not fixed ('`/api/list` filter
    ignored - minor, deferred', 'swap still showing 1.8/2.0 GB used'): it reports no fix,
    unless it has a cue of its own."""
    return LEFT_OPEN.search(entry.masked) is not None or STILL_OPEN.search(entry.masked) is not None


LEFT_OPEN = re.compile(r"\b(?:deferred|postponed|punted|parked|won'?t ?fix|not (?:yet )?(?:fixed|addressed|done)"
                       r"|left (?:as is|alone|open|unfixed)|out of scope|backlog(?:ged)?|skipped)\b", re.I)


def problem_field(entry: Entry) -> bool:
    """A field that describes a problem ('**Issue:** RuntimeError ...'): under a heading that
    reports its fix, it names the fixed problem, in any tense."""
    return PROBLEM_FIELD.match(entry.masked) is not None


PROBLEM_FIELD = re.compile(r"[\s>*_+•\d.)-]*(?:issues?|problems?|errors?|symptoms?|root causes?|causes?|bugs?"
                           r"|what happened|what broke)[*_]*\s*:", re.I)
NOT_PARTICIPLE = re.compile(r"\bnot\s+(?:\w+ed|found|set|seen|known|done|built|made|sent|shown)\b", re.I)
NOT_STATE = re.compile(r"\s*not\s+\w+ed\b", re.I)
