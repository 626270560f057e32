#!/usr/bin/env bash
# Run kafkajs's own test suite (tag v2.2.4) against ONE broker on localhost:9092 and print passed/total per
# area. See README.md in this folder.
#
#   KAFKAJS_DIR=/tmp/kafkajs-2.2.4 scripts/kafkajs-suite/run.sh [AREA ...]
#
# AREA is one of: admin broker cluster consumer producer network protocol utils loggers index (default: all).
#
# Environment:
#   KAFKAJS_DIR        (required) a checkout of kafkajs at v2.2.4; this script never downloads it
#   BROKER             samsa (default) or kafka: the reference Apache Kafka of scripts/kafka/kafka.sh, for a
#                      differential run (same tests, same exclusions)
#   SAMSA_DIR          the Samsa checkout whose dist/ is started (default: this repository); build it first
#                      with `npx tsc -p .`
#   FSYNC              the broker's fsync mode: always (default, as `samsa start`) or never
#   SAMSA_ARGS         extra arguments for `samsa start` (e.g. "--log-level debug")
#   OUT_DIR            where results go (default: a new /tmp/kafkajs-suite-<broker>-XXXX)
#   REFERENCE_DIR      an OUT_DIR of an earlier BROKER=kafka run: failures are marked with the reference result
#   AREA_TIMEOUT       seconds per area before jest is killed (default 1800)
#   KAFKAJS_INSTALL=0  do not run `npm install` in KAFKAJS_DIR when its node_modules is missing
#   JEST_ARGS          extra jest arguments (e.g. "-t 'Consumer'")
#   SECURE=1           (Samsa only) also the SSL listener on :9093 and SASL_SSL on :9094 as kafkajs's
#                      docker-compose has them (PLAIN users test/bob/alice, SCRAM user testscram made with
#                      kafka-configs.sh, an authorizer with allow.everyone.if.no.acl.found=true), and the
#                      SSL/SASL/ACL exclusions lifted (exclusions.cjs reads KAFKAJS_SUITE_SECURE)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PORT=9092
BROKER="${BROKER:-samsa}"
SAMSA_DIR="${SAMSA_DIR:-$REPO}"
AREA_TIMEOUT="${AREA_TIMEOUT:-1800}"

die () { echo "kafkajs-suite: $*" >&2; exit 2; }
log () { echo "kafkajs-suite: $*" >&2; }

# ---- inputs ----
[ -n "${KAFKAJS_DIR:-}" ] || die "KAFKAJS_DIR is not set. This script cannot fetch kafkajs by itself: check out
  tag v2.2.4 of https://github.com/tulios/kafkajs (e.g. git clone --branch v2.2.4 --depth 1 ..., or
  git --git-dir=<mirror> archive v2.2.4 | tar -x -C /tmp/kafkajs-2.2.4) and set KAFKAJS_DIR to it."
KAFKAJS_DIR="$(cd "$KAFKAJS_DIR" 2>/dev/null && pwd)" || die "KAFKAJS_DIR does not exist"
[ -f "$KAFKAJS_DIR/testHelpers/index.js" ] && [ -f "$KAFKAJS_DIR/jest.config.js" ] \
  || die "$KAFKAJS_DIR is not a kafkajs source checkout (no testHelpers/index.js or jest.config.js)"
version="$(node -p "require('$KAFKAJS_DIR/package.json').version")"
[ "$version" = "2.2.4" ] || log "warning: KAFKAJS_DIR is kafkajs $version, the exclusions and triage are for 2.2.4"
command -v node >/dev/null || die "node is not installed"

ALL_AREAS=(admin broker cluster consumer producer network protocol utils loggers index)
if [ $# -gt 0 ]; then AREAS=("$@"); else AREAS=("${ALL_AREAS[@]}"); fi
for a in "${AREAS[@]}"; do
  case " ${ALL_AREAS[*]} " in *" $a "*) ;; *) die "unknown area '$a' (one of: ${ALL_AREAS[*]})" ;; esac
done

# ---- kafkajs's devDependencies (jest 25, jest-circus, jest-extended, ...) inside its own checkout ----
if [ ! -x "$KAFKAJS_DIR/node_modules/.bin/jest" ]; then
  [ "${KAFKAJS_INSTALL:-1}" = 1 ] || die "$KAFKAJS_DIR/node_modules is missing and KAFKAJS_INSTALL=0"
  log "installing kafkajs's devDependencies in $KAFKAJS_DIR (npm install --ignore-scripts)"
  (cd "$KAFKAJS_DIR" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error) \
    || die "npm install failed in $KAFKAJS_DIR"
fi

port_open () { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_open "$PORT" && die "port $PORT is already in use: kafkajs's suite needs localhost:$PORT for the broker under test"

OUT_DIR="${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/kafkajs-suite-$BROKER-XXXXXX")}"
mkdir -p "$OUT_DIR"
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/kafkajs-suite-data-XXXXXX")"
BROKER_PID=""

cleanup () {
  if [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
    kill -TERM "$BROKER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$BROKER_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the broker under test ----
start_samsa () {
  local main="$SAMSA_DIR/dist/cli/main.js"
  [ -f "$main" ] || die "$main not found: build Samsa first (cd $SAMSA_DIR && npx tsc -p .)"
  # Mirrors kafkajs's docker-compose broker where it matters for a single node: broker id 0, advertised as
  # localhost:9092, topic auto-creation, no initial rebalance delay. num.partitions is 1, not the 2 of the
  # docker-compose file: Broker > createTopics reads default.replication.factor and num.partitions back from
  # DescribeConfigs by position, and with one broker the replication factor can only be 1.
  local -a secure=(--advertised.listeners "localhost:$PORT")
  if [ "${SECURE:-0}" = 1 ]; then
    # kafkajs's docker-compose listeners: SSL on 9093, SASL_SSL on 9094 (its tests skip server verification);
    # the JAAS users of its testHelpers/kafka/server-jaas.conf; an authorizer as its SimpleAclAuthorizer setup
    "$REPO/scripts/kafka/test-certs.sh" "$OUT_DIR/certs" >/dev/null || die "test-certs.sh failed"
    secure=(--listeners "PLAINTEXT://127.0.0.1:$PORT,SSL://127.0.0.1:9093,SASL_SSL://127.0.0.1:9094"
      --advertised.listeners "PLAINTEXT://localhost:$PORT,SSL://localhost:9093,SASL_SSL://localhost:9094"
      --listener.security.protocol.map "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL"
      --ssl.keystore.type PKCS12 --ssl.keystore.location "$OUT_DIR/certs/server.p12" --ssl.keystore.password test-secret
      --sasl.enabled.mechanisms PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
      --listener.name.sasl_ssl.plain.sasl.jaas.config 'org.apache.kafka.common.security.plain.PlainLoginModule required username="test" password="testtest" user_test="testtest" user_bob="bobbob" user_alice="alicealice";'
      --authorizer.class.name kafka.security.authorizer.AclAuthorizer --allow.everyone.if.no.acl.found true)
  fi
  # shellcheck disable=SC2086
  node "$main" start --host 127.0.0.1 --port "$PORT" --data-dir "$DATA_DIR" --fsync "${FSYNC:-always}" \
    --node.id 0 "${secure[@]}" \
    --auto.create.topics.enable true --num.partitions 1 \
    --group.initial.rebalance.delay.ms 0 ${SAMSA_ARGS:-} > "$OUT_DIR/server.log" 2>&1 &
  BROKER_PID=$!
  echo "samsa ${SAMSA_LABEL:-$(git -C "$SAMSA_DIR" rev-parse --short HEAD 2>/dev/null || echo "(no git)")} ($SAMSA_DIR)" > "$OUT_DIR/server.txt"
}

start_kafka () {
  local ks="$REPO/scripts/kafka/kafka.sh" kv="${REFERENCE_KAFKA_VERSION:-3.9.1}" cp cport
  [ -x "$ks" ] || die "$ks not found (the reference Kafka launcher)"
  cp="$(KAFKA_VERSION="$kv" "$ks" classpath)" || die "could not get Apache Kafka $kv (scripts/kafka/kafka.sh fetch)"
  cport="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  cat > "$DATA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=0
controller.quorum.voters=0@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://localhost:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
PROPS
  cat > "$DATA_DIR/log4j.properties" <<LOG
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$OUT_DIR/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG
  java -Xmx256m -XX:+UseSerialGC -cp "$cp" kafka.tools.StorageTool format -t "$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" \
    -c "$DATA_DIR/server.properties" > "$OUT_DIR/format.log" 2>&1 || die "kafka-storage format failed (see $OUT_DIR/format.log)"
  # shellcheck disable=SC2086
  java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$DATA_DIR/log4j.properties" -cp "$cp" kafka.Kafka "$DATA_DIR/server.properties" \
    > "$OUT_DIR/server.stdout" 2>&1 &
  BROKER_PID=$!
  echo "apache kafka $kv" > "$OUT_DIR/server.txt"
}

case "$BROKER" in
  samsa) start_samsa ;;
  kafka) start_kafka ;;
  *) die "BROKER must be samsa or kafka" ;;
esac
deadline=$((SECONDS + 120))
until port_open "$PORT"; do
  kill -0 "$BROKER_PID" 2>/dev/null || { tail -n 20 "$OUT_DIR/server.log" >&2 || true; die "the $BROKER broker exited during start"; }
  [ $SECONDS -lt $deadline ] || die "the $BROKER broker did not listen on $PORT within 120 s"
  sleep 0.2
done
log "$(cat "$OUT_DIR/server.txt") listening on localhost:$PORT (pid $BROKER_PID); results in $OUT_DIR"
if [ "${SECURE:-0}" = 1 ]; then
  # kafkajs's scripts/createScramCredentials.sh defaults, through Kafka's kafka-configs.sh over PLAINTEXT
  "$REPO/scripts/kafka/kafka.sh" configs --bootstrap-server "127.0.0.1:$PORT" --alter \
    --add-config 'SCRAM-SHA-256=[iterations=8192,password=testtestscram=256],SCRAM-SHA-512=[password=testtestscram=512]' \
    --entity-type users --entity-name testscram >/dev/null 2>"$OUT_DIR/scram.log" \
    || log "kafka-configs.sh could not create the SCRAM user (see $OUT_DIR/scram.log)"
  export KAFKAJS_SUITE_SECURE=1
fi

# ---- jest ----
# kafkajs's jest.config.js, plus: our environment (applies exclusions.cjs), and only the default reporter
# (jest-junit would write into the checkout).
cat > "$OUT_DIR/jest.config.js" <<CFG
const base = require('$KAFKAJS_DIR/jest.config.js')
module.exports = {
  ...base,
  rootDir: '$KAFKAJS_DIR',
  testEnvironment: '$HERE/environment.cjs',
  reporters: ['default'],
}
CFG

pattern_for () {
  case "$1" in
    index) echo '^.*/src/index\.spec\.js$' ;;
    *) echo "/src/$1/" ;;
  esac
}

status=0
for area in "${AREAS[@]}"; do
  log "area $area: jest --testPathPattern '$(pattern_for "$area")'"
  t0=$SECONDS
  set +e
  # shellcheck disable=SC2086
  (cd "$KAFKAJS_DIR" && KAFKAJS_DIR="$KAFKAJS_DIR" KAFKA_VERSION=2.4 NODE_ENV=test KAFKAJS_DEBUG_PROTOCOL_BUFFERS=1 \
    timeout --kill-after=30 "$AREA_TIMEOUT" node node_modules/.bin/jest --config "$OUT_DIR/jest.config.js" \
      --runInBand --forceExit --ci --json --outputFile="$OUT_DIR/$area.json" \
      --testPathPattern "$(pattern_for "$area")" ${JEST_ARGS:-}) > "$OUT_DIR/$area.log" 2>&1
  rc=$?
  set -e
  summary_line="$(grep -E '^Tests:' "$OUT_DIR/$area.log" | tail -n 1 || true)"
  log "area $area: exit $rc in $((SECONDS - t0)) s; ${summary_line:-no jest summary (see $OUT_DIR/$area.log)}"
  [ $rc -eq 124 ] || [ $rc -eq 137 ] && { log "area $area timed out after $AREA_TIMEOUT s"; status=1; }
  if ! kill -0 "$BROKER_PID" 2>/dev/null; then
    log "THE BROKER EXITED during area $area; last lines of $OUT_DIR/server.log:"
    tail -n 30 "$OUT_DIR/server.log" >&2 || true
    status=1
    break
  fi
done

# ---- summary ----
ref=()
[ -n "${REFERENCE_DIR:-}" ] && ref=(--reference "$REFERENCE_DIR")
[ "$BROKER" = kafka ] && ref+=(--triage no)   # triage.cjs describes Samsa's failures
echo
echo "kafkajs $version suite against $(cat "$OUT_DIR/server.txt") on localhost:$PORT"
set +e
node "$HERE/summarize.cjs" --results "$OUT_DIR" --kafkajs "$KAFKAJS_DIR" --markdown "$OUT_DIR/summary.md" "${ref[@]}"
src=$?
set -e
echo "(full summary: $OUT_DIR/summary.md; jest output: $OUT_DIR/<area>.log; broker log: $OUT_DIR/server.log)"
[ $status -ne 0 ] && exit $status
exit $src
