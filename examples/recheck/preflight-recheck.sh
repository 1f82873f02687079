#!/bin/sh
# Recheck a migration after cutover against the baseline attached to the change request.
# Keeps one dated JSON + HTML report per run and a history page over all of them.
# Exits non-zero when something got worse since the baseline (or the check failed), so
# cron mails you and systemd marks the unit failed.
#
#   PREFLIGHT_PLAN      the migration plan (default /etc/preflight/plan.toml)
#   PREFLIGHT_BASELINE  the report saved before cutover (default /var/lib/preflight/baseline.json)
#   PREFLIGHT_REPORTS   where dated reports go (default /var/lib/preflight/reports)
set -u
plan=${PREFLIGHT_PLAN:-/etc/preflight/plan.toml}
baseline=${PREFLIGHT_BASELINE:-/var/lib/preflight/baseline.json}
reports=${PREFLIGHT_REPORTS:-/var/lib/preflight/reports}
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
mkdir -p "$reports"

preflight check --config "$plan" --after-cutover --baseline "$baseline" \
    --json "$reports/$stamp.json" --html "$reports/$stamp.html" --quiet
status=$?

# History over every dated report so far (newest last).
preflight history "$reports"/*.json --html "$reports/history.html" || true
exit "$status"
