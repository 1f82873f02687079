#!/bin/sh
# Recheck a migration after cutover against the baseline attached to the change request.
# Keeps one dated JSON + HTML report per run and a history page over all of them.
# Exits non-zero so cron mails you and systemd marks the unit failed:
#   1  something got worse since the baseline (or a check failed)
#   3  the recheck could not check items the baseline had (resolver down, timeouts): nothing
#      was verified, so a green result would be a lie — look at the report
#   2/4 bad usage / internal error
# With PREFLIGHT_NAGIOS=1 it prints one Monitoring Plugins line instead and exits 0 OK,
# 1 WARNING, 2 CRITICAL, 3 UNKNOWN (for NRPE, Icinga or a Zabbix external check).
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

if [ "${PREFLIGHT_NAGIOS:-0}" = 1 ]; then
    preflight check --config "$plan" --after-cutover --baseline "$baseline" \
        --json "$reports/$stamp.json" --html "$reports/$stamp.html" --nagios
    status=$?
else
    preflight check --config "$plan" --after-cutover --baseline "$baseline" \
        --json "$reports/$stamp.json" --html "$reports/$stamp.html" --quiet
    status=$?
fi

# History over every dated report so far (newest last).
preflight history "$reports"/*.json --html "$reports/history.html" >/dev/null 2>&1 || true
exit "$status"
