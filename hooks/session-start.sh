#!/bin/sh
# Print a short note for an agent about out-of-date memory entries, nothing when there
# are none. For any harness that runs a command at session start and shows its output
# to the agent (Claude Code's SessionStart hook does; see claude-code-settings.json).
#
#   hooks/session-start.sh [WORKSPACE]     (default: the current folder)
#
# Scans what the workspace's brokenlang config lists under `paths` (default: all of it);
# always exits 0, so a session is never held up by it.
cd "${1:-.}" 2>/dev/null || exit 0
command -v brokenlang >/dev/null 2>&1 || exit 0
out=$(brokenlang scan --quiet --no-color --fail-on never 2>/dev/null | grep -E ' \[(stale|recurred)\] ' | head -n 20)
[ -z "$out" ] && exit 0
printf '%s\n%s\n' "brokenlang: some memory entries are out of date. [stale]: the problem was fixed later, so read the entry as history, not as the current state. [recurred]: it came back after a fix; check before acting on it." "$out"
printf '%s\n' "(quarantine the stale ones with: brokenlang fix --apply; undo with: brokenlang restore --all)"
exit 0
