"""Later resolution text: the latest statement about the same subject wins (a table of
small workspaces; each row names the line and the state it must get)."""
import pytest

from brokenlang.run import ScanOptions, scan

# unrelated entries, so that a word of one line weighs as a rare word does in a real workspace
FILLER = "".join(f"- wrote the {w} summary for the {w} team\n" for w in
                 "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november".split())
CASES = [
    ("resolved later, in another daily note",
     {"memory/2026-03-01.md": "# 2026-03-01\n\n- Vercel preview deploy failed: build error\n",
      "memory/2026-03-02.md": "# 2026-03-02\n\n- Vercel preview deploy works again after pinning next ✅\n"},
     "memory/2026-03-01.md", 3, "stale"),
    ("a success about something else that shares a word does not resolve",
     {"memory/2026-03-01.md": "# 2026-03-01\n\n- Gmail digest not sent: OAuth token expired\n",
      "memory/2026-03-02.md": "# 2026-03-02\n\n- Gmail labels cleaned up, filters work fine now\n"},
     "memory/2026-03-01.md", 3, "open"),
    ("a weak success cue needs more than one shared word",
     {"memory/2026-03-03.md": "# 2026-03-03\n\n- API returned 500 on /orders for EU customers\n",
      "memory/2026-03-04.md": "# 2026-03-04\n\n- API docs updated ✅\n"},
     "memory/2026-03-03.md", 3, "open"),
    ("items of one status list share their heading, not their subject",
     {"memory/2026-05-20.md": "# 2026-05-20\n\n## Infrastructure\n- PostgreSQL: auth still failing (known issue)\n"
                              "- gog auth: healthy\n"},
     "memory/2026-05-20.md", 4, "open"),
    ("the same status list, the same subject",
     {"memory/2026-05-20.md": "# 2026-05-20\n\n## Infrastructure\n- PostgreSQL: auth still failing (known issue)\n"
                              "- PostgreSQL auth: healthy again\n"},
     "memory/2026-05-20.md", 4, "stale"),
    ("a failure's own heading names it for the status line under it",
     {"docs/DEVIATIONS.md": "# Deviations\n\n### DEV-3: 2026-02-19 migration timestamp collisions\n"
                            "- Two branches generated migrations that failed on merge\n"
                            "- **Status:** fixed in this branch\n"},
     "docs/DEVIATIONS.md", 4, "stale"),
    ("under a heading of fixes, an item deferred is no fix",
     {"memory/2026-05-06.md": "# 2026-05-06\n\n## Checkup\n- `/api/memory/list?category=X` query param is ignored\n",
      "memory/2026-05-07.md": "# 2026-05-07\n\n## P2/P3 fixed\n- `/api/memory/list?category=X` filter ignored — "
                              "minor, deferred. Low traffic.\n"},
     "memory/2026-05-06.md", 4, "open"),
    ("under a heading of fixes, an item is a fix",
     {"memory/2026-05-06.md": "# 2026-05-06\n\n## Checkup\n- `/api/memory/list?category=X` query param is ignored\n",
      "memory/2026-05-07.md": "# 2026-05-07\n\n## P2/P3 fixed\n- `/api/memory/list?category=X` filter param "
                              "now read from the query\n"},
     "memory/2026-05-06.md", 4, "stale"),
    ("a failure after the resolution keeps it open",
     {"memory/2026-03-01.md": "# 2026-03-01\n\n- gog OAuth login fails in the browser\n",
      "memory/2026-03-02.md": "# 2026-03-02\n\n- gog OAuth login fixed ✅\n",
      "memory/2026-03-03.md": "# 2026-03-03\n\n- gog OAuth login fails again with a timeout\n"},
     "memory/2026-03-01.md", 3, "open"),
    ("further down the same note, same day",
     {"memory/2026-02-07.md": "# 2026-02-07\n\n- 04:01 Heartbeat: Gateway was not running\n"
                              "- Reinstalled the service\n- Gateway now running (pid 22319) ✅\n"},
     "memory/2026-02-07.md", 3, "stale"),
    ("an incident section closed by its own last line",
     {"memory/2026-02-16.md": "# 2026-02-16\n\n## Credits Ran Out Again\n"
                              "- Morning briefing cron failed — still on Opus\n- Credits replenished by 11 PM\n"},
     "memory/2026-02-16.md", 4, "stale"),
    ("problem, solution and proof",
     {"notes/debugging.md": "## Scraper (2026-02-22)\n**Problem:** Direct URLs trigger CAPTCHA\n"
                            "**Solution:** click through search results\n**Script:** v4 - proven with 94 leads\n"},
     "notes/debugging.md", 2, "stale"),
    ("problem and a workaround, no proof",
     {"notes/debugging.md": "## VPN (2026-02-22)\n**Problem:** Maps blocked from Mac (VPN)\n"
                            "**Solution:** parse only from the server\n"},
     "notes/debugging.md", 2, "open"),
    ("a thing doing its work again resolves its own failure",
     {"memory/2026-12-04.md": "# 2026-12-04\n\n- 09:00 Slack bot can't post to #ops (403 Forbidden)\n"
                              "- 10:00 Slack bot posting again after the token rotation\n"},
     "memory/2026-12-04.md", 3, "stale"),
    ("... not another thing's: the verb of 'posting again' names no subject",
     {"memory/2026-12-04.md": "# 2026-12-04\n\n- 09:00 Slack bot can't post to #ops (403 Forbidden)\n"
                              "- 10:00 Discord bot posting again after the token rotation\n"},
     "memory/2026-12-04.md", 3, "open"),
    ("... nor 'sending normally' of other mail",
     {"memory/2026-12-04.md": "# 2026-12-04\n\n- 09:30 Email digest failed to send: SMTP timeout\n"
                              "- 10:30 Newsletter emails sending normally\n"},
     "memory/2026-12-04.md", 3, "open"),
    ("a failure that is gone, a day later",
     {"memory/2026-11-28.md": "# 2026-11-28\n\n- 08:10 Telegram bot token expired: sends return 401 Unauthorized\n",
      "memory/2026-11-29.md": "# 2026-11-29\n\n- Telegram: new token from Sam, bot posting again. 401s are gone.\n"},
     "memory/2026-11-28.md", 3, "stale"),
    ("a success with a failure after 'but' resolves nothing",
     {"memory/2026-12-05.md": "# 2026-12-05\n\n- 09:00 checkout tests fail on CI with a timeout\n"
                              "- 10:00 checkout tests passed locally but fail on CI\n"},
     "memory/2026-12-05.md", 3, "open"),
    ("a rule that names the fix is no report of it",
     {"memory/2026-12-04.md": "# 2026-12-04\n\n- 10:00 staging deploy failed with exit code 1\n"
                              "- 10:30 Always check that the staging deploy works before announcing\n"},
     "memory/2026-12-04.md", 3, "open"),
    ("a heading's fix does not cover the items under 'Remaining questions:'",
     {"memory/2026-12-06.md": "# 2026-12-06\n\n## 14:08 Config status - all critical fixes complete\n\n"
                              "**Fixed today:**\n- API key saved\n\n**Remaining questions:**\n"
                              "- Research summary? (failed due to timeout)\n"},
     "memory/2026-12-06.md", 9, "open"),
    ("... and does cover the items of the fix itself",
     {"memory/2026-12-06.md": "# 2026-12-06\n\n## 14:08 Config status - all critical fixes complete\n\n"
                              "- Research summary (failed due to timeout)\n"},
     "memory/2026-12-06.md", 5, "resolved"),
    ("the items under a line that reports fixes are the fixed failures",
     {"memory/2026-12-07.md": "# 2026-12-07\n\n**Bugs fixed:**\n- Circular dependency in embeddings.js\n"
                              "- the webhook returned 500 on every retry\n"},
     "memory/2026-12-07.md", 5, "resolved"),
    ("... but not one that says it goes on",
     {"memory/2026-12-07.md": "# 2026-12-07\n\n**Bugs fixed:**\n- the digest parser bug\n"
                              "- cron still failing after the patch\n"},
     "memory/2026-12-07.md", 5, "open"),
    ("... nor the items after the next lead-in",
     {"memory/2026-12-07.md": "# 2026-12-07\n\n**Bugs fixed:**\n- the digest parser bug\n\n"
                              "Seen later:\n- the webhook returned 500 on every retry\n"},
     "memory/2026-12-07.md", 7, "open"),
    ("something that resumed after the failure reports its end",
     {"memory/2026-12-07.md": "# 2026-12-07\n\n- Posts resumed after API issues\n"},
     "memory/2026-12-07.md", 3, "resolved"),
    ("a fix that must be made is a fix to come",
     {"memory/2026-12-07.md": "# 2026-12-07\n\n- the spawner bug must be fixed first\n"},
     "memory/2026-12-07.md", 3, "open"),
    ("'Before:' is the state before a change, not a rule",
     {"memory/2026-12-06.md": "# 2026-12-06\n\n**Before:**\n- cron jobs blocked from delivering\n"},
     "memory/2026-12-06.md", 4, "open"),
    ("a workaround, even verified, leaves the failure open",
     {"notes/incidents.md": "## 2026-02-15 - Chromium crash in the browser container\n"
                            "- **Symptom:** screenshot capture crashed with SIGSEGV.\n"
                            "- **Workaround:** retry with Firefox.\n"
                            "- **Verification:** screenshot saved.\n"},
     "notes/incidents.md", 2, "open"),
    ("a heading that names a fix covers the failure it explains",
     {"memory/2026-02-18.md": "# 2026-02-18\n\n### Infrastructure Fix\n- Added port 3334 to docker-compose.yml\n"
                              "- Root cause: the Docker port mapping was missing\n"},
     "memory/2026-02-18.md", 5, "resolved"),
    ("... but not one that asks for a fix",
     {"memory/2026-02-18.md": "# 2026-02-18\n\n### Possible fix\n- the Docker port mapping was missing\n"},
     "memory/2026-02-18.md", 4, "open"),
    ("'no longer exists' reports a failure, not a fix",
     {"memory/2026-02-15.md": "# 2026-02-15\n\n- mcp.example.com is **dead**, Vercel returns DEPLOYMENT_NOT_FOUND\n"
                              "- the hosted wrapper at mcp.example.com/mcp no longer exists\n"},
     "memory/2026-02-15.md", 3, "open"),
    ("an item under a success heading does not close a failure by one shared word",
     {"memory/2026-03-08.md": "# 2026-03-08\n\n- Integration gap found (DBs not connected)\n",
      "memory/2026-03-15.md": "# 2026-03-15\n\n## Infrastructure cleanup completed\n"
                              "- Retained unused DBs due to uncertainty about data connections\n"},
     "memory/2026-03-08.md", 3, "open"),
    ("... under a fix heading it does, when the item is about that word",
     {"memory/2026-03-08.md": "# 2026-03-08\n\n- Integration gap found (DBs not connected)\n",
      "memory/2026-03-15.md": "# 2026-03-15\n\n## Infrastructure fixed\n"
                              "- DBs attached\n"},
     "memory/2026-03-08.md", 3, "stale"),
    ("every failure under 'What was fixed:' was fixed, in any tense",
     {"memory/2026-03-15.md": "# 2026-03-15\n\n## 22:38 Graph fixed\n\n### What was fixed:\n"
                              "- **Issue:** Neo4j embedding dimension mismatch\n"},
     "memory/2026-03-15.md", 6, "resolved"),
    ("... and a present-tense failure under a fix heading stays a current fact",
     {"memory/2026-03-15.md": "# 2026-03-15\n\n## 22:38 Graph fixed\n\n"
                              "- the Neo4j search endpoint returns HTTP 500 for long queries\n"},
     "memory/2026-03-15.md", 5, "open"),
    ("'NOT connected' under a success heading is a current state, not the fixed failure",
     {"memory/2026-03-08.md": "# 2026-03-08\n\n### Completed today:\n"
                              "- ✅ Database audit - Railway DBs exist but NOT connected to Vercel\n"},
     "memory/2026-03-08.md", 4, "open"),
    ("the state in a failure ('not started') is no subject a success can share",
     {"memory/2026-03-07.md": "# 2026-03-07\n\n## Key Events\n\n- 15:06 Wrote the lead generation report.\n"
                              "  - Current gaps identified:\n    ❌ Email outreach not started\n\n"
                              "- 15:25 Made the morning report system robust.\n\n  Verification:\n"
                              "  - Log confirmed: \"Morning report daemon started\"\n"},
     "memory/2026-03-07.md", 7, "open"),
    ("a todo to resolve a failure does not resolve it",
     {"MEMORY.md": "# Memory\n\n## Todo\n- **Resolve exec approval block** (41+ days - config missing)\n"},
     "MEMORY.md", 4, "open"),
    ("a timed line above a line dated by its day only is earlier, not later",
     {"memory/2026-02-08.md": "# 2026-02-08\n\n## WhatsApp Gateway\n\n"
                              "- 18:49:26 Fixed the WhatsApp gateway disconnects\n\n"
                              "**Status:** Unstable - WhatsApp gateway disconnects intermittently\n"},
     "memory/2026-02-08.md", 7, "open"),
    ("a timed line below a line dated by its day only is later",
     {"memory/2026-02-08.md": "# 2026-02-08\n\n## WhatsApp Gateway\n\n"
                              "**Status:** Unstable - WhatsApp gateway disconnects intermittently\n\n"
                              "- 18:49:26 Fixed the WhatsApp gateway disconnects\n"},
     "memory/2026-02-08.md", 5, "stale"),
    ("a problem field under a heading that reports its fix names the fixed problem",
     {"memory/2026-02-03.md": "# 2026-02-03\n\n## 16:21 UTC - Fixed Angular Animation Error\n\n"
                              "**Issue:** `RuntimeError: NG05105: Unexpected synthetic property` on load\n"},
     "memory/2026-02-03.md", 5, "resolved"),
    ("a problem field under a heading that reports a success is a current problem",
     {"memory/2026-02-10.md": "# 2026-02-10\n\n### 2. Relay Validation — OPERATIONAL\n"
                              "- **E2E tests:** Passed\n- **Issue:** 30-60s latency too slow for real-time use\n"},
     "memory/2026-02-10.md", 5, "open"),
    ("'not configured' under a success heading is a current state, wherever it stands in the hit",
     {"memory/2026-02-20.md": "# 2026-02-20\n\n### Scout: Content Research ✅\n"
                              "- Note: Brave Search API key not configured. Needs `openclaw configure`\n"},
     "memory/2026-02-20.md", 4, "open"),
    ("an item under a fix heading closes a failure by one word only if the item is about it",
     {"memory/2026-02-22.md": "# 2026-02-22\n\n- Backlog task creation failed — needs retry\n",
      "memory/2026-02-24.md": "# 2026-02-24\n\n## Bugs Fixed & Pushed\n"
                              "- /tasks tab switcher — \"My Tasks\" (original) + \"Mission Control\" (agent Kanban)\n"},
     "memory/2026-02-22.md", 3, "open"),
    ("an item marked failing under a success heading is what still fails",
     {"memory/2026-03-17.md": "# 2026-03-17\n\n### Data Sources Verified\n- ✅ Data Golf: Accessible, rich data\n"
                              "- ❌ PGA Tour Stats: 403 blocked (CloudFront)\n"},
     "memory/2026-03-17.md", 5, "open"),
    ("a failure after 'but' under a completion heading is another one, not the fixed one",
     {"memory/2026-02-18.md": "# 2026-02-18\n\n### [03:27] Task Completed\n"
                              "**Outcome:** Fixed the import order. But discovered deeper bugs in sort_imports.\n"},
     "memory/2026-02-18.md", 4, "open"),
    ("a commit whose message fixes the failure resolves it",
     {"memory/2026-02-20.md": "# 2026-02-20\n\n- `85ec043` - Fix WhisperSTT crash on an empty device param\n"},
     "memory/2026-02-20.md", 3, "resolved"),
    ("an item that opens with a fix under a commits heading is a fix that landed",
     {"memory/2026-02-17.md": "# 2026-02-17\n\n## Commits Today: 2\n\n1. Add squad dashboard\n"
                              "2. Fix session analyzer ZeroDivisionError\n"},
     "memory/2026-02-17.md", 6, "resolved"),
    ("... and a failure it names earlier is stale",
     {"memory/2026-02-16.md": "# 2026-02-16\n\n- session analyzer crashes with ZeroDivisionError on empty logs\n",
      "memory/2026-02-17.md": "# 2026-02-17\n\n## Commits Today: 2\n\n1. Add squad dashboard\n"
                              "2. Fix session analyzer ZeroDivisionError\n"},
     "memory/2026-02-16.md", 3, "stale"),
    ("a task to fix under a heading that reports it done is a fix made",
     {"memory/2026-02-18.md": "# 2026-02-18\n\n### [02:59] Task Completed\n"
                              "**Task:** Fix the uploader crash on large files\n"},
     "memory/2026-02-18.md", 4, "resolved"),
    ("... but not under another heading",
     {"memory/2026-02-18.md": "# 2026-02-18\n\n### [02:59] Next up\n"
                              "**Task:** Fix the uploader crash on large files\n"},
     "memory/2026-02-18.md", 4, "open"),
    ("a fix to come in a commit line resolves nothing",
     {"memory/2026-02-20.md": "# 2026-02-20\n\n- 3a5f9c1 introduced a crash in the uploader, fix pending\n"},
     "memory/2026-02-20.md", 3, "open"),
    ("a past failure under a heading that tells what was wrong before is over",
     {"memory/2026-03-07.md": "# 2026-03-07\n\n## What was wrong (v1)\n"
                              "- the spawn bridge created zombie processes that crashed the gateway\n"},
     "memory/2026-03-07.md", 4, "resolved"),
    ("... but not a present one",
     {"memory/2026-03-07.md": "# 2026-03-07\n\n## What was wrong (v1)\n"
                              "- the gateway still crashes on every restart\n"},
     "memory/2026-03-07.md", 4, "open"),
    ("... while a failure told after a success and 'but' is the one the heading reports fixed",
     {"memory/2026-02-21.md": "# 2026-02-21\n\n### Cron Notification Fix\n"
                              "- Cron jobs were running but announce notifications were failing\n"},
     "memory/2026-02-21.md", 4, "resolved"),
    ("the statement reports its own fix",
     {"memory/2026-03-01.md": "# 2026-03-01\n\n- Fixed the flaky login test (it was timing out on CI)\n"},
     "memory/2026-03-01.md", 3, "resolved"),
    ("finding a failure under a heading of done work does not fix it",
     {"TODO.md": "# TODO\n\n- [ ] Fix the prospects cron notifier routing\n\n## Done\n"
                 "- [x] Identified the recurring cron notifier failure in cron.log\n"},
     "TODO.md", 6, "open"),
    ("... nor closes the to-do about it",
     {"TODO.md": "# TODO\n\n- [ ] Fix the prospects cron notifier routing\n\n## Done\n"
                 "- [x] Identified the recurring cron notifier failure in cron.log\n"},
     "TODO.md", 3, "open"),
    ("a to-do after a problem, its solution and proof is no new problem",
     {"memory/2026-02-24.md": "# 2026-02-24\n\n## 13:00 Heartbeat\n"
                              "- **Problem:** the nightly export job keeps crashing\n"
                              "- **Fix:** raised its memory limit to 2 GB\n- **Result:** success rate 40% → 98% ✅\n"
                              "- Next: Fix the code generation score (0.41)\n"},
     "memory/2026-02-24.md", 4, "stale"),
    ("... unlike a failure told after them",
     {"memory/2026-02-24.md": "# 2026-02-24\n\n## 13:00 Heartbeat\n"
                              "- **Problem:** the nightly export job keeps crashing\n"
                              "- **Fix:** raised its memory limit to 2 GB\n- **Result:** success rate 40% → 98% ✅\n"
                              "- Next: the code generation score is broken (0.41)\n"},
     "memory/2026-02-24.md", 4, "open"),
    ("a success that shares one word with a failure, outside the part that tells the success, is no fix",
     {"memory/2026-02-19.md": "# 2026-02-19\n\n- void@ungouge: OAuth incomplete\n" + FILLER,
      "memory/2026-02-20.md": "# 2026-02-20\n\n- SSH working: root@ungouge\n"},
     "memory/2026-02-19.md", 3, "open"),
    ("... while in that part one word still does",
     {"memory/2026-02-19.md": "# 2026-02-19\n\n- void@ungouge: OAuth incomplete\n" + FILLER,
      "memory/2026-02-20.md": "# 2026-02-20\n\n- OAuth working: root@host\n"},
     "memory/2026-02-19.md", 3, "stale"),
    ("... nor one that shares two words with it, both outside that part",
     {"memory/2026-02-07.md": "# 2026-02-07\n\n- **Travel laptop offline** - Tailscale shows offline\n" + FILLER,
      "memory/2026-02-08.md": "# 2026-02-08\n\n- **Status:** Proof of concept WORKING (freed 12GB on travel laptop)\n"},
     "memory/2026-02-07.md", 3, "open"),
    ("... while with one of them in that part it does",
     {"memory/2026-02-07.md": "# 2026-02-07\n\n- **Travel laptop offline** - Tailscale shows offline\n" + FILLER,
      "memory/2026-02-08.md": "# 2026-02-08\n\n- **Status:** travel laptop WORKING again (Tailscale)\n"},
     "memory/2026-02-07.md", 3, "stale"),
    ("a heading of what is to be fixed reports no fix of the failures under it",
     {"memory/2026-02-23.md": "# 2026-02-23\n\n### Problems\n- crons timing out, not running as scheduled\n\n"
                              "### Specific Issues to Fix\n"
                              "- Daily crons misaligned: timeouts, not running as scheduled\n"},
     "memory/2026-02-23.md", 4, "open"),
    ("two items that share only their section heading's words say nothing of each other",
     {"memory/2026-02-15.md": "# 2026-02-15\n\n### Issue 3: Server Health\n"
                              "- Docker container dharmic_agora up but unhealthy\n" + FILLER +
                              "- CORS artifact merged, verified working\n"},
     "memory/2026-02-15.md", 4, "open"),
    ("... while a word one of them names still ties them",
     {"memory/2026-02-15.md": "# 2026-02-15\n\n### Issue 3: Server Health\n"
                              "- Docker container dharmic_agora up but unhealthy\n" + FILLER +
                              "- dharmic_agora container restarted, verified working\n"},
     "memory/2026-02-15.md", 4, "stale"),
    ("a log kept newest first was written from the bottom up: the fix in the session above is later",
     {"progress.md": "# Progress\n\n## Session 4 - (2026-01-19)\n"
                     "- calendar sync works again after the token refresh\n\n"
                     "## Session 3 - (2026-01-19)\n- calendar sync failed with a 401 from Google\n\n"
                     "## Session 2 - (2026-01-18)\n" + FILLER + "\n## Session 1 - (2026-01-17)\n- set up the repo\n"},
     "progress.md", 7, "stale"),
    ("... and the fix in the session below is earlier",
     {"progress.md": "# Progress\n\n## Session 4 - (2026-01-19)\n- calendar sync failed with a 401 from Google\n\n"
                     "## Session 3 - (2026-01-19)\n- calendar sync works again after the token refresh\n\n"
                     "## Session 2 - (2026-01-18)\n" + FILLER + "\n## Session 1 - (2026-01-17)\n- set up the repo\n"},
     "progress.md", 4, "open"),
    ("a step of a plan reports nothing: 'Next steps: - Deploy the image with working drivers'",
     {"memory/2026-03-05.md": "# 2026-03-05\n\n## GPU node\n- nvidia drivers fail to load on the GPU node image\n\n"
                              "**Next steps:**\n- Rebuild the GPU node image with working nvidia drivers\n"
                              "- Deploy the fixed image\n"},
     "memory/2026-03-05.md", 4, "open"),
    ("nor does a workaround: 'Workaround: - Host metrics working perfectly'",
     {"MEMORY.md": "# Memory\n\n## cAdvisor per-container metrics\n- cAdvisor cannot query the Docker API\n\n"
                   "**Workaround:**\n- cAdvisor dashboard of host metrics working perfectly\n"},
     "MEMORY.md", 4, "open"),
    ("... and the same lines told as done do",
     {"memory/2026-03-05.md": "# 2026-03-05\n\n## GPU node\n- nvidia drivers fail to load on the GPU node image\n\n"
                              "**Done:**\n- Rebuilt the GPU node image, nvidia drivers load fine now\n"},
     "memory/2026-03-05.md", 4, "stale"),
    ("an incident whose fix field says there is none stays open",
     {".learnings/ERRORS.md": "# Errors\n\n## 2026-02-09 — exec tool spawn EBADF blocks git status\n"
                              "- **What happened:** `exec` failed with `spawn EBADF` on `git status`\n"
                              "- **Fix/workaround:** None yet; previously suggested a retry or a hard restart\n"},
     ".learnings/ERRORS.md", 3, "open"),
    ("... as with a solution field of none",
     {".learnings/ERRORS.md": "# Errors\n\n## 2026-02-09 — exec tool spawn EBADF blocks git status\n"
                              "- **What happened:** `exec` failed with `spawn EBADF` on `git status`\n"
                              "- **Solution:** N/A; previously tried a hard restart\n"},
     ".learnings/ERRORS.md", 3, "open"),
    ("... and one that tells the fix closes it",
     {".learnings/ERRORS.md": "# Errors\n\n## 2026-02-09 — exec tool spawn EBADF blocks git status\n"
                              "- **What happened:** `exec` failed with `spawn EBADF` on `git status`\n"
                              "- **Fix/workaround:** ran it with a PTY; previously a hard restart\n"},
     ".learnings/ERRORS.md", 3, "stale"),
    ("an incident's fix field that tells what was done closes it",
     {".learnings/ERRORS.md": "# Errors\n\n## 2026-02-08 — Discord /model command unauthorized\n"
                              "- **What happened:** couldn't use `/model`, got \"not authorized\"\n"
                              "- **Fix:** Added the owner's user ID to the guild users\n"},
     ".learnings/ERRORS.md", 4, "stale"),
    ("... not one that tells what to do",
     {".learnings/ERRORS.md": "# Errors\n\n## 2026-02-08 — Discord /model command unauthorized\n"
                              "- **What happened:** couldn't use `/model`, got \"not authorized\"\n"
                              "- **Fix:** Add the owner's user ID to the guild users\n"},
     ".learnings/ERRORS.md", 4, "open"),
    ("... nor one that tells only what was tried",
     {".learnings/ERRORS.md": "# Errors\n\n## 2026-02-08 — Discord /model command unauthorized\n"
                              "- **What happened:** couldn't use `/model`, got \"not authorized\"\n"
                              "- **Fix:** Tried adding the owner's user ID to the guild users\n"},
     ".learnings/ERRORS.md", 4, "open"),
    ("a to-do to fix a thing is closed by the fix told later",
     {"memory/2026-03-01.md": "# 2026-03-01\n\n## Next\n1. Fix the sqlalchemy import in the worker\n",
      "memory/2026-03-02.md": "# 2026-03-02\n\n- Fixed the sqlalchemy import in the worker ✅\n"},
     "memory/2026-03-01.md", 4, "stale"),
]


@pytest.mark.parametrize(("text", "rule"), [
    ("- [ ] Fix remaining 21 unit test failures", "deploy.tests_failing"),
    ("- [ ] Fix the sqlalchemy import", "agent.fix_todo"),
])
def test_a_merged_hit_is_named_by_a_rule_above_info(tmp_path, text, rule):
    (tmp_path / "NOTES.md").write_text(text + "\n")
    report = scan(["."], ScanOptions(cwd=str(tmp_path), git_dates=False))
    assert [f.rule for f in report.findings] == [rule]


@pytest.mark.parametrize(("text", "hits"), [
    ("- Upwork automation blocked. Config missing on the VPS", ["automation blocked.", "Config missing"]),
    ("- Upwork automation blocked, config missing on the VPS", ["automation blocked, config missing"]),
    ("- deploy failed with HTTP 500", ["deploy failed with HTTP 500"]),
])
def test_hits_are_merged_within_a_sentence(tmp_path, text, hits):
    (tmp_path / "NOTES.md").write_text(text + "\n")
    report = scan(["."], ScanOptions(cwd=str(tmp_path), git_dates=False))
    assert [f.text for f in report.findings] == hits


@pytest.mark.parametrize(("files", "path", "line", "state"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_resolution_by_text(tmp_path, files, path, line, state):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    report = scan(["."], ScanOptions(cwd=str(tmp_path), git_dates=False))
    got = {f.state for f in report.findings if f.path == path and f.line == line}
    assert got == {state}, [(f.path, f.line, f.state, f.message) for f in report.findings]


@pytest.mark.parametrize("text", ["plain words", "**bold**", "`code`", "a_b", "~~gone~~", "", "é * x", "__x__"])
def test_plain_is_the_markup_substitution(text):
    import re

    from brokenlang import subject

    assert subject.plain(text) == re.sub(r"[`*_~]+", " ", text)


@pytest.mark.parametrize(("forms", "stem"), [
    ("migrate migrated migrates migrating migration migrations", "migrat"),
    ("cache caches caching cached", "cach"),
    ("update updated updates updating", "updat"),
    ("connect connected connecting connection connections", "connect"),
    ("deploy deployed deploys deploying", "deploy"),
    ("file files", "file"),
    ("silent silently", "silent"),
    ("proper properly", "proper"),
])
def test_word_forms_share_a_stem(forms, stem):
    from brokenlang import subject

    assert {subject.stem(w) for w in forms.split()} == {stem}


@pytest.mark.parametrize(("headings", "newest_first"), [
    (["## Session 4 - (2026-01-19)", "## Session 3 - (2026-01-19)", "## Session 2 - (2026-01-18)",
      "## Session 1 - (2026-01-17)"], True),
    (["## 2026-01-17", "## 2026-01-18", "## 2026-01-19"], False),            # top to bottom
    (["## 2026-01-19", "## 2026-01-18"], False),                            # too few to tell
    (["## 2026-01-19", "## 2026-01-18", "## 2026-01-20", "## 2026-01-21", "## 2026-01-17"], False),   # mixed
])
def test_a_file_kept_newest_first_is_read_from_the_bottom_up(headings, newest_first):
    from brokenlang import dating
    from brokenlang.entries import split

    es = split("progress.md", "# Progress\n\n" + "".join(f"{h}\n- entry\n\n" for h in headings))
    order = dating.file_order(es)
    assert (order is not None) == newest_first
    if order is not None:
        at = {e.start_line: p for e, p in zip(es, order, strict=True)}
        items = [e.start_line for e in es if e.kind == "item"]
        # the blocks run bottom up, each block top to bottom
        assert [at[line] for line in items] == sorted((at[line] for line in items), reverse=True)
        assert at[items[0] - 1] < at[items[0]]   # a block's heading comes before its items


def _stmt(path, section, own, context):
    import datetime as dt

    from brokenlang.resolution import Statement

    return Statement(0, path, section + 1, (path, section + 1), dt.datetime(2026, 1, 1), True, True,
                     frozenset(own), frozenset(context), section=section)


@pytest.mark.parametrize(("failure", "resolution", "heading_only"), [
    # one word of a log heading elsewhere: '### 2026-03-16 11:18 MST (heartbeat #3)' over 'Graphiti fixed'
    (("MEMORY.md", 3, {"heartbeat", "oauth"}, {"calendar"}), ("journal.md", 3, {"graphiti"}, {"heartbeat"}), True),
    # ... the failure's own heading: '### DEV-3: migration collisions' over '**Status:** fixed'
    (("DEV.md", 3, {"migrat", "merge"}, {"migrat", "collision"}), ("DEV.md", 3, {"branch"}, {"migrat", "collision"}),
     False),
    # ... a heading naming the thing with two words: '### Two-Way Pipeline Sync Built'
    (("a.md", 3, {"pipelin", "sync"}, set()), ("a.md", 9, {"notion"}, {"pipelin", "sync"}), False),
    # ... the resolution's own words name it
    (("a.md", 3, {"heartbeat", "oauth"}, set()), ("b.md", 3, {"oauth"}, {"heartbeat"}), False),
])
def test_a_heading_alone_names_a_failure_by_more_than_one_word(failure, resolution, heading_only):
    from brokenlang.resolution import _by_heading_only

    f, r = _stmt(*failure), _stmt(*resolution)
    assert _by_heading_only((f.own | f.context) & (r.own | r.context), f, r) is heading_only
