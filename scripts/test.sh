#!/usr/bin/env bash
# Set up everything and run the full test suite against the INSTALLED wheel.
#  - as root with apt-get: installs the system programs the tests drive (OpenSSH sshd, Chromium);
#  - builds the wheel, installs it with the test extras into .venv-test;
#  - runs pytest (arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { echo "preflight needs Python >= 3.10" >&2; exit 2; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  need=()
  [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
  # The SSH inventory tests' servers answer real `postconf` and `openssl` commands.
  [ -x /usr/sbin/postconf ] || need+=(postfix)
  # The partner-prediction oracle (a private real Postfix) also reads pcre: access tables.
  [ -e /usr/lib/postfix/postfix-pcre.so ] || need+=(postfix-pcre)
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  # The browser test opens the HTML report in headless Chromium, in English and Japanese.
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  fc-list 2>/dev/null | grep -q "Noto Sans CJK JP" || need+=(fonts-noto-cjk)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing system packages: ${need[*]}" >&2
    # Postfix's programs only: no main.cf, no running mail server.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
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
