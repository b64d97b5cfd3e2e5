from pathlib import Path

import pytest

from brokenlang.context import (
    LEAD_FIXED,
    LEAD_NO_FIX,
    LEAD_OPEN,
    LEAD_RULE,
    classify,
    is_resolution_statement,
    lead_in,
    section_rule,
)
from brokenlang.entries import split
from brokenlang.models import Hit


def ctx(text, hit, path="notes.md"):
    (entry,) = [e for e in split(path, text) if hit in e.text]
    start = entry.text.index(hit)
    c = classify(entry, Hit("x.y", start, start + len(hit), hit))
    return c.status if c.status != "ignored" else f"ignored:{c.reason}"


@pytest.mark.parametrize(("text", "hit", "expected"), [
    # asserted
    ("- 09:10 deploy failed with HTTP 500", "deploy failed", "asserted"),
    ("- Gateway was not running (last shutdown Feb 4)", "not running", "asserted"),
    ("- cron keeps crashing", "crashing", "asserted"),
    ("- Fixed the login page but deploy still fails", "fails", "asserted"),
    ("- Manual mode asks for a URL, but process keeps timing out", "timing out", "asserted"),
    ("- When I ran the migration it crashed", "crashed", "asserted"),
    # a hit that opens a clause of its own: no trigger before it reaches in
    ("- **Result:** No output, still fails silently", "still fails", "asserted"),
    ('- WhatsApp says "linked" but can\'t send messages', "but can't send", "asserted"),
    # a risk, not an event
    ("**Impact:** Could cause login failures if the schema drifts", "login failures", "ignored:conditional"),
    ("- the stale cache might lead to login failures", "login failures", "ignored:conditional"),
    ("- the bad config caused login failures", "login failures", "asserted"),
    # negation
    ("- no errors today", "errors", "ignored:negated"),
    ("- not still failing", "still failing", "ignored:negated"),
    ("- no errors, warnings or crashes", "crashes", "ignored:negated"),
    ("- OpenClaw fell back gracefully (didn't break)", "break", "ignored:negated"),
    ("- This is a data issue, not a **system failure**", "system failure", "ignored:negated"),
    ("- ✅ No config warnings (should be clean)", "config warnings", "ignored:negated"),
    ("- ⚠️ Gateway unreachable (missing scope) — this is auth, not a service issue", "Gateway unreachable",
     "ignored:dismissed"),
    ("- deprecation warning on start (harmless)", "deprecation warning", "ignored:dismissed"),
    ("- Gateway unreachable. Not a service issue for the DB though", "Gateway unreachable", "asserted"),
    ("- The budget is down to $120 for March", "budget is down", "ignored:metric"),
    ("- Added retries for timeouts in the fetcher", "timeouts", "ignored:conditional"),
    ("- Broken links in the docs are checked weekly by lychee", "Broken links", "ignored:conditional"),
    ("- Timeouts from the payment API get retried twice", "Timeouts", "ignored:conditional"),
    ("- 09:00 Timeouts from the payment API get retried twice, then fail", "Timeouts", "asserted"),
    ("- Connection errors are logged in the console when I click save", "Connection errors", "asserted"),
    ("- the intake check now flags likely missing notes", "missing notes", "ignored:conditional"),
    ("- Sentry detects 3 new crashes since the deploy", "crashes", "asserted"),
    ("- Added missing `formatNumber` exports to utils", "missing `formatNumber`", "resolved"),
    ("- Created the missing Contact and Terms pages", "missing Contact", "resolved"),
    ("- the export still has missing rows", "missing rows", "asserted"),
    ("- Posts resumed after API issues", "API issues", "resolved"),
    ("- resumed the sync; the API issues are back", "API issues", "asserted"),
    ("- Errors in group chats: stay quiet unless mentioned", "Errors", "ignored:rule"),
    # zero counts
    ("- **118 applied, 0 skipped, 0 errors**", "errors", "ignored:zero count"),
    ("- **Error rate**: 0%", "Error rate", "ignored:zero count"),
    ("- Errors: 0", "Errors", "ignored:zero count"),
    # conditionals and runbooks
    ("- If the deploy fails, roll back", "deploy fails", "ignored:conditional"),
    ("4. If something goes wrong - STOP", "goes wrong", "ignored:conditional"),
    ("- Gateway down → `openclaw gateway restart`", "Gateway down", "ignored:conditional"),
    ("- Repeated failures = principle not internalized", "Repeated failures", "ignored:conditional"),
    ("- Gates stop on first failure (fix before continuing)", "failure", "ignored:conditional"),
    ("P1 = a feature is broken but the bot still operates.", "broken", "ignored:conditional"),
    ("- pass rate should rise; if any question still fails the rubric is honest", "fails", "ignored:conditional"),
    ("- P1: gateway down since 09:00", "gateway down", "asserted"),
    ("- the upsert is blocked if the SET clause omits type", "is blocked", "ignored:conditional"),
    ("- Revert to the last good deploy if the issue persists", "issue persists", "ignored:conditional"),
    ("- deploy failed if I remember right", "deploy failed", "asserted"),
    # rules / imperatives
    ("2. Look for restart events, errors, or crashes", "crashes", "ignored:rule"),
    ("   - Look for failed builds (red X)", "failed builds", "ignored:rule"),
    ("- Look, the deploy failed again", "deploy failed", "asserted"),
    ("- Never delete the failed jobs table", "failed jobs", "ignored:rule"),
    ("- Check gateway logs for errors", "errors", "ignored:rule"),
    ("- Triage failures from the nightly run", "failures", "ignored:rule"),
    ("- Search API returned 429 Too Many Requests", "429 Too Many Requests", "asserted"),
    ('- a timeout, not an access error (e.g., "file not found")', "file not found", "ignored:quoted"),
    ("- Test suite failed on main", "Test suite failed", "asserted"),
    # a verb that labels a field: no order
    ("**Test Status**: 231 passing, 66 failing, 0 skipped", "66 failing", "asserted"),
    ("- Test results: 66 failing", "66 failing", "asserted"),
    ("- Check gateway logs: look for 502 errors", "502 errors", "ignored:rule"),
    ("- Cloud Run deploy works again: the 500 came from a missing env var", "missing env var", "resolved"),
    # resolved in the same statement
    ("1. **Script bug**: wrong name in compute.ts (fixed)", "Script bug", "resolved"),
    ("- **Pydantic v2 compatibility** issue - Resolved next day", "compatibility** issue", "resolved"),
    ("- cron no longer crashes", "crashes", "resolved"),
    ("- Fix testimonials page broken links → DONE (Feb 20)", "broken links", "resolved"),
    ("- WhatsApp: cycling disconnects (~30min), normal", "disconnects", "ignored:dismissed"),
    ("- UCM6308 AMI auth still being fixed (calls queued)", "being fixed", "asserted"),
    ("- gateway restarts (normal) after the nightly update", "restarts", "ignored:dismissed"),
    ("- WhatsApp: cycling disconnects, normally twice a day", "disconnects", "asserted"),
    ("- `DriftTest` fails on overlap, deliberately", "fails", "ignored:dismissed"),
    ("- the sync retries twice (intentional) before it gives up", "gives up", "asserted"),
    ("- the export cron failed twice → **done** ✅", "failed", "resolved"),
    ("- deploy failed -> done retrying, gave up", "deploy failed", "ignored:conditional"),
    ("Fixed. The issue was simple: the cron job was missing its `to` field.", "was missing", "resolved"),
    ("Fixed the login page. The deploy failed with HTTP 500.", "deploy failed", "asserted"),
    ("- Successfully filed 19 issues, including critical bugs", "critical bugs", "asserted"),
    ("- Successfully reproduced the upload crash", "upload crash", "asserted"),
    ("- deploy was failing until the patch landed", "failing", "resolved"),
    ("- ✅ Fixed: build broken on main", "build broken", "resolved"),
    ("4. ~~**Uploads**: large files were failing~~", "failing", "resolved"),
    ("- [x] deploy failed on staging, rolled back", "deploy failed", "resolved"),
    ("- [x] Identified recurring cron notifier failure signature in cron.log", "notifier failure", "asserted"),
    ("- [x] Spot-check superset3 quality (5,560 rows, 0 parse errors)", "parse errors", "ignored:zero count"),
    ("- Step status updates: allowed → executed/failed", "failed", "ignored:template field"),
    ("- guardrails pre-flight check (hard block if state.json corrupt)", "corrupt", "ignored:conditional"),
    ("- Checked for merge conflicts mentioned in the morning session", "merge conflicts", "ignored:conditional"),
    ("- Checked for 3 hours, deploy still failing", "deploy still failing", "asserted"),
    ("- Gaps:\n  ❌ Outreach not started\n  ❌ Apollo.io API blocked (plan limit)", "API blocked", "asserted"),
    ("- [ ] deploy failed on staging, roll back", "deploy failed", "asserted"),
    ("- export ran with the streaming writer, OOM gone", "OOM", "resolved"),
    ("- the webhook errors are all gone since the new token", "webhook errors", "resolved"),
    ("- relay was dropping messages, fine now", "dropping messages", "resolved"),
    ("- VPN tunnel kept failing, connected again after the reboot", "failing", "resolved"),
    ("- VPN tunnel disconnected again", "disconnected", "asserted"),
    ("- the config file is gone", "config file is gone", "asserted"),   # a failure, not its end
    ("- MySQL server has gone away during the import", "server has gone away", "asserted"),
    ("- flaky 502s from the proxy, the errors went away after the upgrade", "502s", "resolved"),
    ("- new token, bot posting again; 401s are gone", "401s", "resolved"),
    ("- sync errors, not fine now either", "sync errors", "asserted"),
    ("- build ok, but no errors in the log", "errors", "ignored:negated"),   # 'but ...' hides no trigger
    # pseudo triggers are not resolutions
    ("- **Fix needed**: parser fails on null content", "fails", "asserted"),
    ("- timeout issue — still unfixed", "timeout issue", "asserted"),
    ("- Possible fixes: XML fallback; the tool call fails", "fails", "asserted"),
    # quoted speech and template fields
    ('- If blocked, notify Ross: "the Spotify API is down"', "is down", "ignored:quoted"),
    ('- Prompt says "report every failure twice"', "failure", "ignored:quoted"),
    ("- Graders run and results (PASS/FAIL): n/a", "FAIL", "ignored:template field"),
    # a quoted phrase that names a thing
    ('- The "failed payments" dashboard shows declined cards', "failed payments", "ignored:quoted"),
    ("- moved it to the “broken builds” channel", "broken builds", "ignored:quoted"),
    ('- deploy said "done" but the "failed payments" job crashed', "crashed", "asserted"),
    ('- the "sync" job failed again', "failed again", "asserted"),
    ('- status: "failed"', "failed", "asserted"),
    ("- it's broken, the 'retry' tab too", "broken", "asserted"),
    ("- **Status:** Fixed for basic operation, per-container metrics still broken", "still broken", "asserted"),
    # a dash the hit opens with ends the negation's clause
    ("- VNC recording not enabled — can't do screen_record via node", "— can't do", "asserted"),
    ("- Added tests for the heartbeat parser (429 cases)", "(429", "ignored:conditional"),
    # a condition as a line's label, then an instruction: a runbook line
    ("- **If blocked:** Report that gog is unavailable; do not fall back", "is unavailable", "ignored:rule"),
    ("- When the relay drops: restart it and tell Sam it was down", "was down", "ignored:rule"),
    ("- When I checked: the relay was down again", "was down", "asserted"),
    ("- Should catch: crashes, freezes, unresponsive states", "crashes", "ignored:rule"),
    # 'when' with a past failure tells when it happened
    ("- Was selecting replacement images when connection dropped", "connection dropped", "asserted"),
    ("- when the deploy fails, roll back", "deploy fails", "ignored:conditional"),
    ("- Fuzzy matching for city names when exact matches aren't found", "aren't found", "ignored:conditional"),
    # a todo to look into a failure presupposes it; a standing instruction does not
    ("- Investigate GitHub Pages deployment failure for new design", "deployment failure", "asserted"),
    ("- Investigate any failures and report them", "failures", "ignored:rule"),
    ("- Record command failures, exceptions, and bugs here.", "failures", "ignored:rule"),
    # a negator in a compound modifier negates nothing
    ("- Root-cause analysis done for plan-review timeout/no-output failures", "output failures", "asserted"),
    # the failing thing dealt with, after it
    ("- Found the relay service was DOWN — started and enabled it", "was DOWN", "resolved"),
    ("- Gateway unresponsive, restarted it", "unresponsive", "resolved"),
    ("- Restarted it and then the gateway crashed", "crashed", "asserted"),
    ("- The broken link checker was corrected with a regression test", "broken", "resolved"),
    # a fix in an earlier sentence is of something else; one after the failure is its fix
    ("- Fixed the login page. Deploy failed with HTTP 500", "Deploy failed", "asserted"),
    ("- Deploy failed with HTTP 500. Fixed by setting the env var", "Deploy failed", "resolved"),
    ("- **After 7+ days of EBADF**, exec tool is now **fully operational**", "EBADF", "resolved"),
    ('- returned 403: "API calls are disabled for non-browser apps" (expected; browser-only)', "returned 403",
     "ignored:dismissed"),
    ('- Should now show "Connected" instead of "Disconnected"', "Disconnected", "ignored:quoted"),
    ("- a previously referenced path for the dashboard spec was missing", "was missing", "asserted"),
    ("- `./check` reports what's passing or broken", "broken", "ignored:template field"),
    ("- check whether the relay is up or down", "down", "ignored:template field"),
    # a question asserts nothing, unless it asks why
    ("- Technique mismatch?", "mismatch", "ignored:question"),
    ("- Is the relay down? Checking now", "down", "ignored:question"),
    ("- Why does the nightly sync keep failing?", "keep failing", "asserted"),
    ("- Reddit analysis? (failed due to timeout)", "failed", "asserted"),
    # an aside that opens with 'was' tells the state before the change the line reports
    ("- installed `requests` library (was missing)", "was missing", "resolved"),
    ("- Removed X/Twitter section (was causing timeouts)", "timeouts", "resolved"),
    ("- the sync failed (was working yesterday)", "sync failed", "asserted"),
    ("- Re-derived CLOB API credentials (old ones returning 401)", "returning 401", "resolved"),
    # what held at first no longer does
    ("- Domain restriction was initially blocking — Jennifer updated allowed domains", "blocking", "resolved"),
    ("- the bot resumed after fixing the API timeout issue", "timeout issue", "resolved"),
    ("- jobs still fail even after fixing to a valid model", "still fail", "asserted"),
    ("- Python 3.8 compat (was not fixed)", "not fixed", "asserted"),
    # routine handling is no fix
    ("- Active incidents: INC-132 (P1, TRIAGE) - handled by cron during quiet hours", "Active incidents", "asserted"),
    # a fix to come
    ("- **PLC Laptop offline** - will set it up when back online", "offline", "asserted"),
    # what was done next, after a semicolon
    ("- Deploy failed; fixed by setting the env var", "Deploy failed", "resolved"),
    ("- Diagnosed Render OOM; upgraded the plan and verified stable startup", "OOM", "resolved"),
    ("- Deploy failed; Slack fixed the token", "Deploy failed", "asserted"),
    ("- Sync failed; tried a restart, fixed nothing", "Sync failed", "asserted"),
    # a rule for every case, what a thing is for, a lesson drawn, a report dismissed
    ("**Update:** After every incident, failed deploy, rollback, or issue discovered.", "failed deploy",
     "ignored:conditional"),
    ("- Health signals are essential for detecting and reacting to stuck tasks.", "stuck", "ignored:conditional"),
    ("- Takeaway: DB corruption blocks exec workers; recovery requires recreating the DB.", "corruption",
     "ignored:rule"),
    ("- Takeaway: it crashed the gateway again on Monday", "crashed", "asserted"),
    ('- **"New card does not appear"**: NOT a regression — new cards land at the bottom', "does not appear",
     "ignored:dismissed"),
    # a line that is only a label names a topic, as a heading does
    ("**Known Issues & Investigations Needed**:", "Known Issues", "ignored:topic heading"),
    ("**Deploy failed:**", "Deploy failed", "asserted"),
    # a result told after an arrow: done, unlike a step of a runbook
    ("- Lint: FAIL -> installed eslint + typescript-eslint", "FAIL", "resolved"),
    ("- Gateway down → restarted it, healthy since", "Gateway down", "resolved"),
    ("- Gateway down → restart it and check the logs", "Gateway down", "ignored:conditional"),
    # designed handling: what a banner or a toast is for
    ("- Added error banner for checkout failures", "checkout failures", "ignored:conditional"),
    # a bold label that is an instruction makes the line a rule
    ('- **Be specific**: "Found 3 UX issues: login fails on mobile Safari" not "found some issues"',
     "login fails", "ignored:rule"),
    ("- **Never restart the relay**: the gateway crashed the last time", "crashed", "ignored:rule"),
    ("- **Beta build**: the gateway crashed at 9", "crashed", "asserted"),
    # a remedy made, told after an arrow
    ("- Photo-SLAM needs OpenCV contrib (apt OpenCV insufficient) → built from source", "insufficient", "resolved"),
    # dismissed by 'not the issue'
    ("- the Set() failed: not the issue, just a warning", "failed", "ignored:dismissed"),
    # designed behaviour and what did not happen
    ("- the verifier now fails gracefully with structured output", "fails", "ignored:conditional"),
    ("- the verifier fails on an empty page", "fails", "asserted"),
    ("- the boards degrade with bounded timeouts instead of dying on one slow command", "dying",
     "ignored:conditional"),
    ("- the worker died instead of retrying", "died", "asserted"),
    ("- maintenance is less likely to hang indefinitely now", "hang", "ignored:conditional"),
    ("- the script records which step failed or timed out", "failed", "ignored:conditional"),
    ("- the script failed at step 3", "failed", "asserted"),
    # a test named by what it checks, then its verdict
    ("Feature #72: Creating project with empty name shows error - PASSING", "shows error", "ignored:test case"),
    ("- Feature #29 (404 page for non-existent routes): PASSED", "404", "ignored:test case"),
    ("- the login test fails again - PASSING locally only", "fails", "asserted"),
    # a legend: what a condition means
    ("- Degradation alert: 3+ consecutive <10 jobs = red alert in Telegram", "red alert", "ignored:conditional"),
    ("- **N > 500** = playback is broken for the caller", "broken", "ignored:conditional"),
    ("- gateway status = down since 9am", "down", "asserted"),
])
def test_context_table(text, hit, expected):
    assert ctx(text, hit) == expected


@pytest.mark.parametrize(("text", "hit", "expected"), [
    ("## Error Handling", "Error", "ignored:topic heading"),
    ("## Known Issues", "Issues", "ignored:topic heading"),
    ("### Known Limitations", "Known Limitations", "ignored:topic heading"),
    ("## Consolidated learnings: reviewer CLIs hang on big payloads", "hang", "ignored:rule"),
    ("### Crash Recovery Rules", "Crash", "ignored:topic heading"),
    ("## Deploy failed on staging", "Deploy failed", "asserted"),
    ("## Anthropic Credits Ran Out", "Ran Out", "asserted"),
    ("### 3. If bind config got corrupted", "corrupted", "ignored:conditional"),
    ("## What Doesn't Work", "Doesn't Work", "ignored:topic heading"),
    ("## What was wrong (v1)", "wrong", "ignored:topic heading"),
    ("## Failed Approaches", "Failed", "ignored:topic heading"),
    ("## Failed deploy on staging", "Failed deploy", "asserted"),
    ("## CRITICAL FIX: Duplicate Completion Alerts (Done Bug)", "Done Bug", "resolved"),
    ("## Fix needed: login crash on Safari", "login crash", "asserted"),
    ("## What Didn't Work / Known Issues", "Didn't Work", "ignored:topic heading"),
    ("### What's Broken Right Now", "Broken", "ignored:topic heading"),
    ("### What is still blocked", "blocked", "ignored:topic heading"),
    ("### Checkout is broken right now", "broken", "asserted"),
])
def test_headings(text, hit, expected):
    assert ctx(text, hit) == expected


def test_a_heading_that_reports_a_fix_done_covers_the_problem_under_it(tmp_path: Path) -> None:
    import brokenlang

    (tmp_path / "notes.md").write_text("### 3. Search Field Fix ✅\n**Problem:** Search fields triggering popups\n\n"
                                       "### 4. Export Fix\n**Problem:** the export crashes on large files\n")
    found = [(f.line, f.rule, f.state) for f in brokenlang.scan_paths([str(tmp_path)], git_dates=False)]
    # the heading is no to-do ('Fix ✅' is done), and what it reports fixed is resolved
    assert (2, "agent.known_issue", "resolved") in found
    assert not any(line == 1 for line, _, _ in found)


def test_cross_marks_under_a_heading_over_what_was_removed_mark_the_items_removed(tmp_path: Path) -> None:
    import brokenlang

    items = "- ❌ the old cron wrapper\n- ❌ the trigger file — not used\n"
    (tmp_path / "notes.md").write_text("### What Was Removed (Theater Elimination)\n" + items
                                       + "\n### Checks today\n" + items)
    found = [(f.line, f.rule) for f in brokenlang.scan_paths([str(tmp_path)], git_dates=False, cache=False)]
    assert [line for line, _ in found] == [6, 7], found   # the same items under another heading are failures


def test_a_glossary_defines_words_it_reports_nothing(tmp_path: Path) -> None:
    import brokenlang

    line = '- "Flaky": a test that fails intermittently without code changes.\n'
    (tmp_path / "AGENTS.md").write_text("## Glossary\n\n" + line + "\n## Today\n\n" + line)
    found = brokenlang.scan_paths([str(tmp_path)], cwd=str(tmp_path), git_dates=False, cache=False)
    assert [f.line for f in found] == [7]   # the same words outside the glossary are reported
    assert section_rule("Definitions") and section_rule("Terminology") and not section_rule("Deploy failures")
    # a thing put to work is news: the note under the title is no rule
    assert section_rule("Continuation Protocol") and not section_rule("2026-02-17 — Continuation Protocol Deployed")


def test_a_lessons_section_states_rules_but_may_recount_what_happened(tmp_path: Path) -> None:
    import brokenlang

    (tmp_path / "MEMORY.md").write_text("## Lessons\n\n- Local vite builds fail in the container\n"
                                        "- I crashed the gateway again by editing the config\n")
    found = brokenlang.scan_paths([str(tmp_path)], cwd=str(tmp_path), git_dates=False, cache=False)
    assert [(f.line, f.state) for f in found] == [(4, "open")]


def test_a_checklist_states_rules_but_its_red_marked_results_are_reports(tmp_path: Path) -> None:
    import brokenlang

    (tmp_path / "HEARTBEAT.md").write_text(
        "# HEARTBEAT.md - Operations Checklist\n\n### Deploy monitor\n"
        "- ❌ Pages: HTTP 404 (not enabled in the settings)\n"   # a result of the check: reported
        "- ❌ Wrong: retrying a failed deploy by hand\n"          # a don't: a rule
        "- Gateway down → restart it\n")                          # a rule
    found = brokenlang.scan_paths([str(tmp_path)], cwd=str(tmp_path), git_dates=False, cache=False)
    assert [(f.line, f.state) for f in found] == [(4, "open")]


def test_table_row_label_is_ignored():
    assert ctx("| Errors | 18 | 0 |", "Errors") == "ignored:table label"


@pytest.mark.parametrize(("text", "expected"), [
    ("- Gateway now running (pid 22319) ✅", True),
    ("- Credits replenished by ~8:35 PM", True),
    ("## GitHub Authenticated", True),
    ("- **Fix needed**: change the struct", False),
    ("- Pat needs to complete OAuth from a browser", False),
    ("- nightly-export ran clean after the streaming writer landed", True),
    ("- Browser relay connected again after the Chrome restart", True),
    ("- OOM gone since the memory limit went up", True),
    ("- pulled and pushed, fine now", True),
    ("- the export isn't fine now", False),
    ("- VPN disconnected again", False),
    ("- Telegram: new token from Sam, bot posting again", True),
    ("- Calendar quota reset overnight, events syncing normally", True),
    ("- split the audio; transcription completes now", True),
    ("- Gateway stable since yesterday's restart", True),
    ("- deploying again after lunch", False),   # an action repeated, not a thing working again
    ("- the nightly job runs again at 5", False),
    ("- dropped the half-created table and re-ran; migration applied cleanly", True),
    ("- the patch did not apply cleanly", False),
    ("- the worker didn't exit cleanly", False),
    ("- worker now skips empty bodies; no more JSONDecodeError in the logs", True),
    ("- no more timeouts since the pool was resized", True),
    ("- no more credits on the OpenAI account", False),
    ("- /orders API returns 200 now", True),
    ("- all tests pass", True),
    ("- the site is live again", True),
    ("2026-12-01 11:02:00 INFO  telegram: polling resumed", True),
    ("- resumed the backup job after clearing space", False),
    ("- iMessage bridge back after restarting BlueBubbles", True),
    ("- 10:25 Slack digest delivered", True),
    ("- the digest arrived at 08:02", True),
    ("- reviewed PR #888 for the payments worker; looks good, merged", False),   # a review, not a fix
    ("- 09:30 Note: make sure checkout tests pass before merging", False),   # a rule, not a report
    ("- Always check that the staging deploy works before announcing", False),
    ("- billing build pass rate is 80% this week", False),
    ("- TODO: verify the export works", False),
    ("- Next: test that login works", False),
    ("- Goal: green CI by Friday", False),
    ("- waiting to see if the fix works", False),
    ("- if the deploy works, announce it", False),
    ("- to confirm: the relay is connected again?", False),
    ("- try restarting; that usually works", False),
    ("- verified: the export works", True),
    ("- confirmed the relay is connected again", True),
    ("- the timeout errors came back after the update", False),
    ("- the 502s are back after the redeploy", False),
    ("- checkout tests passed locally but fail on CI", False),   # the failure after 'but' stands
    ("- login works, but not for SSO users", False),
    ("- API returned 2000 rows", False),
    ("- the config file is gone", False),
    ("- **Delivery:** none (silent on success; alerts on failure)", False),   # what happens when
    ("- the hosted wrapper no longer exists", False),                         # a thing that went away
    ("- the export no longer fails", True),
    ("- **RESOLVED**: the server accessibility issues no longer present", True),
    ("- the errors are no longer present", True),
    ("- the bucket is no longer there", False),
    ("- **Workaround:** local commit works, push deferred", False),   # the failure is still there
    ("- **Status:** Partial - only extensionAPI.js patched", False),
    ("- the 16-day outage ended", True),
    ("- the timeouts have ended", True),
    ("- The billing error is gone", True),
    ("assistant: ComfyUI is up with miniconda3 python. Now submit the workflow", True),
    ("- the gateway is now up", True),
    ("- token costs are up 20% this week", False),
    ("- Successfully filed 19 issues for the reported crashes", False),   # found, not fixed
    ("- SIP works only via the outbound registration pinhole", False),   # a limit, not a fix
    ("- the relay only works in Chrome", False),
    ("| Live test /status model aliases confirmed working | ⏳ pending |", False),   # still to do
    ("- login works now, not yet on mobile", False),
    ("1. **Market Size**: No verification that the SAM calculation is correct", False),   # a claim not checked
    ("- the export works, but not verified on Windows", False),
    ("*   **Date First Noticed:** Current operational block.", False),   # a kind of block, not a state
    ("- Status: healthy today", True),
    ("- gateway operational again", True),
])
def test_resolution_statements(text, expected):
    (entry,) = split("n.md", text)
    assert is_resolution_statement(entry) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("**Never do without confirmation:**", LEAD_RULE),
    ("**Action if issue:**", LEAD_RULE),
    ("Check PRINCIPLES.md monthly:", LEAD_RULE),
    ("Before deploying:", LEAD_RULE),
    ("**Results:** all green", ""),
    ("**Before:**", ""),            # the state before a change, not a rule
    ("When:", ""),
    ("**Remaining questions:**", LEAD_OPEN),
    ("Still open:", LEAD_OPEN),
    ("**Blockers:**", LEAD_OPEN),
    ("Next steps:", LEAD_NO_FIX),
    ("**TODO:**", LEAD_NO_FIX),
    ("**Follow-ups:**", LEAD_NO_FIX),
    ("**Workaround:**", LEAD_NO_FIX),
    ("**Fixed today:**", LEAD_FIXED),
    ("**Bugs caught + fixed in production:**", LEAD_FIXED),
    ("**Critical (fixed):**", LEAD_FIXED),
    ("**Build issue resolved:**", LEAD_FIXED),
    ("**Proper fixes needed:**", ""),
    ("**To be fixed:**", ""),
    ("**Not fixed yet:**", LEAD_OPEN),
    ("Fixed or not?:", ""),
    ("**Fixed when the token rotates:**", LEAD_RULE),
    ("Remaining items that we should look at again once the migration has landed:", ""),   # a sentence
    # the lead-in is the line's last sentence
    ("The lead waits for wave 5 to finish before committing. But:", ""),
    ("That was the third outage this week. Never do without confirmation:", LEAD_RULE),
    ("The migration landed. **Remaining questions:**", LEAD_OPEN),
])
def test_lead_ins(text, expected):
    (entry,) = split("n.md", text)
    assert lead_in(entry) == expected


def test_ascii_twin_refuses_cased_literals() -> None:
    import re

    from brokenlang.casefold import ascii_twin
    with pytest.raises(ValueError):
        ascii_twin(re.compile(r"\bFixed\b", re.I))
    assert not ascii_twin(re.compile(r"\bfixed\S", re.I)).flags & re.I


@pytest.mark.parametrize("text", ["Deploy FIXED", "deploy \u017folved", "Gateway O\u212a", "gateway ok", "not fixed"])
def test_resolution_cue_same_on_ascii_fast_path_and_unicode(text: str) -> None:
    from brokenlang.context import PSEUDO, RESOLUTION_CUE
    e = split("a.md", text)[0]
    assert is_resolution_statement(e) == (bool(RESOLUTION_CUE.search(e.masked)) and not PSEUDO.search(e.masked))


def _cue_texts() -> list[str]:
    """Every line of the samples, lowercased ASCII, plus word-boundary edge cases."""
    root = Path(__file__).resolve().parent.parent / "samples"
    lines = [ln for p in sorted(root.rglob("*.md"))
             for ln in p.read_text(encoding="utf-8", errors="replace").splitlines()]
    edge = ["fixed", "unfixed", "fixed_it", "fix:", "fix:x", "re-enabled", "reenabled", "ok.", "okay", "back  up",
            "no longer", "xworks", "works2", "_works", "done!", "clean run", ""]
    return [t.lower() for t in lines + edge if t.isascii()]


def test_resolution_cue_re2_finds_what_re_finds():
    from brokenlang import context

    for text in _cue_texts():
        assert context._RESOLUTION_CUE_RE2(text.encode()) == bool(context.RESOLUTION_CUE_TWIN.search(text)), text
