#!/usr/bin/env bash
# The interop suite with real peers (test/compat/interop, see its files' headers): installs what it needs
# (Debian packages; Apache Kafka's jars, the Java program's Maven build, the Go module build and the
# kafka-python venv go to caches outside git: $SAMSA_CACHE, default ~/.cache/samsa, plus ~/.m2 and Go's module
# cache), then runs `npm run test:interop` and ends with the plain line `N passed, N failed`.
#
#   bash scripts/interop.sh            everything
#   bash scripts/interop.sh java       only test/compat/interop/java.test.ts (any file name part)
#
# A peer whose toolchain or download is unavailable is skipped with its reason, never failed for that alone.
# CI runs it from .ci/run after `npm test` (bounded by SAMSA_INTEROP_TIMEOUT, default 1800 s) and adds its count to
# the final line.
set -uo pipefail
cd "$(dirname "$0")/.."
export SAMSA_CACHE="${SAMSA_CACHE:-$HOME/.cache/samsa}"
mkdir -p "$SAMSA_CACHE"
t0=$SECONDS
step () { echo "== $* ($((SECONDS - t0)) s)"; }

# Debian packages: a JDK and Maven (Kafka's tools, the Java client program), librdkafka's Python binding for
# /usr/bin/python3, python3-venv for the kafka-python venv. Go comes from the machine image (franz-go needs
# Go >= 1.26, newer than Debian's); without it the franz-go test is skipped.
need=()
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1 || need+=(python3-confluent-kafka)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  step "apt-get install ${need[*]}"
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >"$SAMSA_CACHE/apt.log" 2>&1 \
      || { echo "apt-get install failed (the tests needing it will be skipped):"; tail -5 "$SAMSA_CACHE/apt.log"; }
  else
    echo "not root: cannot apt-get install ${need[*]} (the tests needing them will be skipped)"
  fi
fi

if [ ! -d node_modules ]; then
  step "npm install"
  npm install --no-audit --no-fund 2>&1 | grep -v 'Unknown .*config "nodedir"' | tail -3
fi

# Apache Kafka's jars once, before the tests that share them start in parallel (they would wait on a lock).
if command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
  step "Apache Kafka jars (scripts/kafka/kafka.sh fetch)"
  scripts/kafka/kafka.sh fetch >/dev/null || echo "could not fetch Apache Kafka: its tests will be skipped"
fi

files=(test/compat/interop/*.test.ts)
if [ $# -gt 0 ]; then
  files=()
  for f in test/compat/interop/*.test.ts; do
    for want in "$@"; do case "$f" in *"$want"*) files+=("$f") ;; esac; done
  done
fi

step "npm run test:interop (${#files[@]} files)"
out="$(mktemp -d "${TMPDIR:-/tmp}/samsa-interop-tap-XXXXXX")"
if [ $# -gt 0 ]; then
  npx tap --output-dir "$out" "${files[@]}" 2>&1 | grep -v 'Unknown .*config "nodedir"'
else
  npm run test:interop -- --output-dir "$out" 2>&1 | grep -v 'Unknown .*config "nodedir"'
fi
status=${PIPESTATUS[0]}
step "done"
node scripts/tap-summary.mjs "$out" | tail -n 60
rm -rf "$out"
exit "$status"
