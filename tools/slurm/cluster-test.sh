#!/usr/bin/env bash
# The Slurm array path of `sweep deep` on a real one-node cluster: installs Slurm and munge (Debian/Ubuntu, as root) if missing,
# starts munged, slurmctld and slurmd on this machine with a throwaway configuration (state, spool and logs in a temp dir, its own
# ports), submits a tiny two-shard `sweep deep --slurm --shards 2`, waits for the array, merges the shards with `sweep merge`,
# runs the same sweep in one process, and compares the two rows.csv (all but the seconds column, the only field that differs
# between runs) and the two `sweep table` tables; then the same for a tiny `sweep labels --slurm --shards 2` (four CNN runs),
# merged by the command its submission prints, against its one-process sweep (rows but for seconds, and summary.csv). Prints PASS or FAIL; stops
# every daemon it started.
# Needs the Release build (dotnet build ILGPUAE.sln -c Release) and MNIST in the cache (run-tests.sh fetches it).
# Usage: tools/slurm/cluster-test.sh [WORK_DIR]   (default: a new temp dir, removed on success)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
cli=(dotnet "$repo/src/ILGPUAE.Cli/bin/Release/net10.0/ilgpuae.dll")
started=$(date +%s)
say() { echo "cluster-test [$(( $(date +%s) - started ))s]: $*"; }
fail() { say "FAIL: $*"; exit 1; }

[ -f "${cli[1]}" ] || fail "${cli[1]} is missing; build first: dotnet build ILGPUAE.sln -c Release"
if [ "$(id -u)" != 0 ]; then fail "run as root: it installs packages and starts slurmctld, slurmd and munged"; fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    command -v apt-get >/dev/null || fail "Slurm is not installed and there is no apt-get to install it"
    say "installing slurmctld, slurmd, slurm-client and munge (Debian's slurm-wlm without its extra plugins)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
given_work=${1:-}
work=${1:-$(mktemp -d /tmp/ilgpuae-slurm-XXXXXX)}
mkdir -p "$work"
pids=()
munged_pid_file=""
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -n "$munged_pid_file" ] && [ -f "$munged_pid_file" ]; then kill "$(cat "$munged_pid_file")" 2>/dev/null || true; fi
    if [ "$status" = 0 ] && [ -z "$given_work" ] && [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "cluster-test: files in $work"; fi
    exit "$status"
}
trap cleanup EXIT

# munge: the key the package made (or a new one), and munged unless one already answers.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    if [ ! -s /etc/munge/munge.key ]; then
        mkdir -p /etc/munge
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
        chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    fi
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge
    munged_pid_file=/run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged
    for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    munge -n | unmunge >/dev/null || fail "munged does not answer"
    say "started munged"
fi

# One node, this machine: every CPU, the memory free reports, no cgroups, no accounting, ports of its own.
node=$(hostname -s)
cpus=$(nproc)
memory=$(free -m | awk '/^Mem:/ { print int($2 * 0.9) }')
mkdir -p "$work/state" "$work/spool" "$work/log"
export SLURM_CONF=$work/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=ilgpuae-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdTimeout=60
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -c -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
    state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 1
done
[ "$state" = idle ] || { tail -n 20 "$work"/log/*; fail "node $node is '${state:-unknown}' after 60 s, expected idle"; }
say "$(sbatch --version): one-node cluster up: $(sinfo -h -o '%P %D %c %T')"

# The sweep: two configurations on 300 MNIST images, one epoch, on the host provider: a few seconds each.
sweep=(sweep deep --scheme J --regularizer denoise --lr 0.005,0.02 --noise 0.1 --layers 20,10 --epochs 1 --accelerator host
       --train-limit 300 --valid-limit 100 --test-limit 500)
# Submits "$@" as a two-task array into $1, waits for it, and checks that each task ran its shard ($2 runs each, none before).
# Leaves the submission's output in $submit.
run_array() {
    local out=$1 runs=$2; shift 2
    submit=$("${cli[@]}" "$@" --out "$out" --slurm --shards 2 --slurm-args "time=10:00") || { echo "$submit"; fail "submission failed"; }
    echo "$submit"
    local job
    job=$(echo "$submit" | sed -n 's/^submitted job \([0-9]*\):.*/\1/p')
    [ -n "$job" ] || fail "no job id in the submission's output"
    for _ in $(seq 300); do
        [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
        sleep 1
    done
    [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && say "array job $job finished" || { scancel "$job"; fail "array job $job still queued or running after 300 s"; }
    local task log exit_code
    for task in 1 2; do
        log=$out/slurm/${job}_$task.out
        [ -f "$log" ] || fail "task $task wrote no $log"
        exit_code=$(scontrol show job "${job}_$task" 2>/dev/null | sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p' | head -1)
        if [ -n "$exit_code" ] && [ "$exit_code" != 0:0 ]; then cat "$log"; fail "task $task exited with $exit_code"; fi
        grep -q "^shard $task/2: ran $runs, 0 already done" "$log" || { cat "$log"; fail "task $task's log does not report its shard"; }
    done
}

run_array "$work/array" 1 "${sweep[@]}"

"${cli[@]}" sweep merge --rows "$work/array" --out "$work/array/merged" || fail "sweep merge exited with $?"
"${cli[@]}" "${sweep[@]}" --out "$work/one" >"$work/one.log" 2>&1 || { cat "$work/one.log"; fail "the one-process sweep failed"; }

# Every field but the last (seconds: what each run took) must be equal, byte for byte.
without_seconds() { sed 's/,[^,]*$//' "$1"; }
if ! cmp <(without_seconds "$work/array/merged/rows.csv") <(without_seconds "$work/one/rows.csv"); then
    diff "$work/array/merged/rows.csv" "$work/one/rows.csv" || true
    fail "the merged rows differ from the one-process sweep's"
fi
[ "$(wc -l <"$work/one/rows.csv")" = 3 ] || fail "expected a header and two rows in $work/one/rows.csv"
"${cli[@]}" sweep table --rows "$work/array/merged" --out "$work/table-array" >/dev/null
"${cli[@]}" sweep table --rows "$work/one" --out "$work/table-one" >/dev/null
cmp "$work/table-array/table.csv" "$work/table-one/table.csv" || fail "the tables differ"
say "sweep deep: the array's merged rows and table equal the one-process sweep's"

# sweep labels the same way: four CNN runs (two sizes × two seeds, one epoch), two per task; its merge is the command the
# submission prints (the same sweep into OUT/merged, importing the shards' rows, running nothing more).
labels=(sweep labels --models cnn --min-labels 20 --max-labels 40 --sizes 2 --repeats 2 --epochs 1 --fixed-test 200 --accelerator host)
run_array "$work/labels" 2 "${labels[@]}"
merge=$(echo "$submit" | sed -n 's/^when all 2 have finished: //p')
[ -n "$merge" ] || fail "the submission printed no merge command"
eval "$merge" >"$work/labels-merge.log" 2>&1 || { cat "$work/labels-merge.log"; fail "the label sweep's merge failed: $merge"; }
grep -q "ran 0, 4 already done, 4 imported" "$work/labels-merge.log" || { cat "$work/labels-merge.log"; fail "the merge ran or missed runs"; }
"${cli[@]}" "${labels[@]}" --out "$work/labels-one" >"$work/labels-one.log" 2>&1 || { cat "$work/labels-one.log"; fail "the one-process label sweep failed"; }
# Every field but seconds (what each run took), in the same order (the import writes the shards' rows in the sweep's run order).
# The rows hold no quoted fields, so a comma splits them.
without_column() {
    grep -q '"' "$1" && fail "$1 has quoted fields"
    awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) drop = i; if (!drop) exit 1 }
        { line = ""; for (i = 1; i <= NF; i++) if (i != drop) line = line (line == "" ? "" : ",") $i; print line }' "$1"
}
if ! cmp <(without_column "$work/labels/merged/rows.csv" seconds) <(without_column "$work/labels-one/rows.csv" seconds); then
    diff "$work/labels/merged/rows.csv" "$work/labels-one/rows.csv" || true
    fail "the label sweep's merged rows differ from the one-process sweep's"
fi
[ "$(wc -l <"$work/labels-one/rows.csv")" = 5 ] || fail "expected a header and four rows in $work/labels-one/rows.csv"
cmp "$work/labels/merged/summary.csv" "$work/labels-one/summary.csv" || fail "the label sweep's summaries differ"
say "PASS: sweep deep's and sweep labels' arrays, merged, equal their one-process sweeps"
