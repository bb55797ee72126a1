#!/usr/bin/env bash
# The whole test suite: install dependencies, build the release and the
# sanitizer (ASan+UBSan) trees, check formatting, run the C unit tests on
# both builds, the integration suite and the hostile-client suite against
# real server processes, and end with one line "N passed, N failed".
#
#   tests/run.sh            everything
#   QUICK=1 tests/run.sh    skip the sanitizer build's integration and hostile runs
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
PY=/usr/bin/python3
logdir=$(mktemp -d /tmp/slipstream-tests.XXXXXX)
passed=0
failed=0
skipped=0
started=$(date +%s)

stage() { printf '\n=== %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }
count() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + ${3:-0})); }

stage "dependencies"
scripts/deps.sh || { echo "dependency installation failed"; echo "0 passed, 1 failed"; exit 1; }

stage "build (release, and debug with AddressSanitizer + UndefinedBehaviorSanitizer)"
if ! scripts/build.sh --asan >"$logdir/build.log" 2>&1; then
  tail -50 "$logdir/build.log"
  echo "0 passed, 1 failed"
  exit 1
fi

stage "format"
if tools/check-format.sh >"$logdir/format.log" 2>&1; then
  count 1 0
  echo "format: ok"
else
  cat "$logdir/format.log" | head -40
  count 0 1
fi

stage "command table docs"
if $PY tools/gencmd.py --docs app/commands.def "$logdir/commands.md" &&
   diff -q "$logdir/commands.md" docs/commands.md >/dev/null; then
  count 1 0
  echo "docs/commands.md: up to date"
else
  echo "docs/commands.md is stale: run $PY tools/gencmd.py --docs app/commands.def docs/commands.md"
  count 0 1
fi

stage "placeholder commands"
# every command in the table must have a real handler (no weak placeholder)
left=$(nm build/app/slipstream | awk '$2 == "W" && $3 ~ /^cmd_/ {print $3}')
if [ -z "$left" ]; then
  count 1 0
  echo "every command has a handler"
else
  echo "commands still without a handler: $left"
  count 0 1
fi

# meson test: one line per test executable; each executable prints its own
# "N passed, M failed" summary which we add up.
run_unit() {
  local dir=$1 name=$2
  stage "unit tests ($name)"
  meson test -C "$dir" --suite unit --print-errorlogs --num-processes 2 \
    >"$logdir/unit-$name.log" 2>&1
  local rc=$?
  local ok fail
  ok=$(grep -E '^Ok:' "$logdir/unit-$name.log" | awk '{print $2}')
  fail=$(grep -E '^(Fail|Timeout):' "$logdir/unit-$name.log" | awk '{s += $2} END {print s + 0}')
  grep -E '^ *[0-9]+/[0-9]+ ' "$logdir/unit-$name.log"
  if [ -z "$ok" ]; then ok=0; [ $rc -ne 0 ] && fail=$((fail + 1)); fi
  [ "$fail" -gt 0 ] && tail -60 "$logdir/unit-$name.log"
  count "$ok" "$fail"
}
run_unit build release
run_unit build-asan asan

# pytest: parse its closing line ("3 failed, 120 passed, 2 skipped in 4.2s")
# run_pytest NAME [--dir DIR] VAR=value...: DIR defaults to tests/integration
run_pytest() {
  local name=$1; shift
  local dir=tests/integration
  if [ "${1:-}" = "--dir" ]; then dir=$2; shift 2; fi
  stage "integration ($name)"
  (cd "$dir" && env "$@" $PY -m pytest -q -p no:cacheprovider \
    -o junit_family=xunit2 --junitxml="$logdir/junit-$name.xml" . ) \
    >"$logdir/pytest-$name.log" 2>&1
  local rc=$?
  local line p f e s
  line=$(grep -E '^[=]* ?[0-9]+ (passed|failed|error|skipped)' "$logdir/pytest-$name.log" | tail -1)
  p=$(grep -oE '[0-9]+ passed' <<<"$line" | awk '{print $1}'); p=${p:-0}
  f=$(grep -oE '[0-9]+ failed' <<<"$line" | awk '{print $1}'); f=${f:-0}
  e=$(grep -oE '[0-9]+ errors?' <<<"$line" | awk '{print $1}'); e=${e:-0}
  s=$(grep -oE '[0-9]+ skipped' <<<"$line" | awk '{print $1}'); s=${s:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && [ "$e" -eq 0 ]; then e=1; fi
  grep -E '^(FAILED|ERROR) ' "$logdir/pytest-$name.log" | head -50
  echo "$name: ${line:-no summary (exit $rc)}"
  [ "$rc" -ne 0 ] && [ -z "$line" ] && tail -40 "$logdir/pytest-$name.log"
  count "$p" $((f + e)) "$s"
}
run_pytest release SLIPSTREAM_BIN="$root/build/app/slipstream"
if [ -z "${QUICK:-}" ]; then
  run_pytest asan SLIPSTREAM_BIN="$root/build-asan/app/slipstream" \
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" SLIPSTREAM_SANITIZED=1
fi

# The DPDK data plane (root only; skipped with the reason otherwise): the
# end-to-end, conformance, SYN-flood and ssgen suite on net_tap,
# net_af_packet and net_memif (~2 min), the latency lab's quick mode, and the
# integration suite above over net_tap and over net_af_packet on a veth pair
# (~1 min each).
run_pytest dataplane --dir pktgen-tests SLIPSTREAM_BIN="$root/build/app/slipstream" \
  SS_FAULT_SECONDS=20

# The latency lab's quick mode (root only): every phase of
# pktgen-tests/latency_lab.py, short, over net_memif, its output checked for
# form (no speed asserted); under a minute.
stage "latency lab (--quick, net_memif)"
if [ "$(id -u)" -ne 0 ]; then
  echo "latency lab: skipped (needs root: DPDK)"
  count 0 0 1
elif $PY pktgen-tests/latency_lab.py --quick --bin "$root/build/app/slipstream" \
    --ssgen "$root/build/pktgen-tests/ssgen" >"$logdir/latency-lab.log" 2>&1; then
  if grep -q "^latency_lab: skipped" "$logdir/latency-lab.log"; then
    grep "^latency_lab: skipped" "$logdir/latency-lab.log"
    count 0 0 1
  else
    grep -E "^latency_lab: (output|[0-9]+ plots)" "$logdir/latency-lab.log"
    count 1 0
  fi
else
  grep -E "^latency_lab: " "$logdir/latency-lab.log"
  tail -30 "$logdir/latency-lab.log"
  count 0 1
fi
run_pytest release-tap SLIPSTREAM_BIN="$root/build/app/slipstream" SLIPSTREAM_TRANSPORT=tap
run_pytest release-veth SLIPSTREAM_BIN="$root/build/app/slipstream" SLIPSTREAM_TRANSPORT=veth

# The hostile-client suite (tests/hostile/README.md): release and the
# sanitizer build on kernel sockets, release on net_tap (root only, skipped
# with the reason otherwise). tests/hostile/pytest.ini's --full is not used
# here: CI runs the bounded counts.
run_pytest hostile-release --dir tests/hostile SLIPSTREAM_BIN="$root/build/app/slipstream"
if [ -z "${QUICK:-}" ]; then
  run_pytest hostile-asan --dir tests/hostile SLIPSTREAM_BIN="$root/build-asan/app/slipstream" \
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" SLIPSTREAM_SANITIZED=1
fi
run_pytest hostile-tap --dir tests/hostile SLIPSTREAM_BIN="$root/build/app/slipstream" \
  SLIPSTREAM_TRANSPORT=tap

stage "done"
echo "logs: $logdir"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
