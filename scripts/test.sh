#!/usr/bin/env bash
# Set up everything and run the full test suite against the INSTALLED wheel.
#  - as root with apt-get: installs the system programs the tests drive (OpenSSH sshd, Chromium),
#    only those really missing (`scripts/test.sh --missing` lists them and installs nothing);
#  - builds the wheel, installs it with the test extras into .venv-test;
#  - runs pytest (arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { echo "preflight needs Python >= 3.10" >&2; exit 2; }

# The system programs the tests drive, by Debian package: only what is really missing.
missing_packages() {
  local need=()
  [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
  # The SSH inventory tests' servers answer real `postconf` and `openssl` commands.
  [ -x /usr/sbin/postconf ] || need+=(postfix)
  # The partner-prediction oracle (a private real Postfix) also reads pcre: access tables.
  [ -e /usr/lib/postfix/postfix-pcre.so ] || need+=(postfix-pcre)
  # ... in a private network namespace whose lo it configures with `ip`.
  command -v ip >/dev/null 2>&1 || need+=(iproute2)
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  # The browser test opens the HTML report in headless Chromium, in English and Japanese.
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  # Read fc-list's whole output first: `fc-list | grep -q` under pipefail fails with SIGPIPE (141)
  # when grep stops early, which made the font look missing on every run.
  local fonts
  fonts=$(fc-list :lang=ja family 2>/dev/null || true)
  [[ $fonts == *"Noto Sans CJK JP"* ]] || need+=(fonts-noto-cjk)
  # pdftoppm: turn the browser test's PDFs into PNGs to look at (tmp/artefacts/browser).
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  echo "${need[*]}"
}

if [ "${1:-}" = "--missing" ]; then   # print what would be installed, install nothing
  missing_packages
  exit 0
fi

need=$(missing_packages)
if [ -n "$need" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: $need" >&2
  # Postfix's programs only: no main.cf, no running mail server.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # Refresh the package lists only when the install cannot find a package without it.
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1 || {
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
  }
fi

VENV=.venv-test
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install hatchling
rm -rf dist
"${pip[@]}" wheel --no-deps --no-build-isolation -w dist .
wheel=$(ls dist/preflight_mail-*.whl)
"${pip[@]}" install --force-reinstall --no-deps "$wheel"
"${pip[@]}" install "${wheel}[test]"
exec "$VENV/bin/pytest" "$@"
