#!/bin/bash
# Ad-hoc mutation run (mutmut==3.8.1) for the modules of issue 9/14's settings work, each against the tests
# that exercise it, until the generic runner (tools/mutation/, another branch) replaces it.
#
#   bash tools/mutation/adhoc-settings.sh settings config security_groups check
#
# For each module: a throwaway copy of the committed tree (git ls-files) in which the component package
# sits in src/ (mutmut names a mutant after its file's path from the working directory, and the tests
# import cloudfront_origin_lockdown.*, so components/cloudfront_origin_lockdown would never match),
# then `mutmut run`, then the counts per status and the survivors. Nothing in the worktree changes.
# process_isolation=forkserver: the tests run the policy pack over gRPC, which is not fork-safe; with
# plain fork some workers hang and are reported as timeouts.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
venv=$(readlink -f "$root/.venv")
work=$(mktemp -d /tmp/mutation-settings.XXXXXX)

prepare() {  # DIR SOURCE_PATH ONLY_MUTATE TEST...
    local dir=$1 source_path=$2 only=$3
    shift 3
    mkdir -p "$dir"
    (cd "$root" && git ls-files | tar -cf - -T -) | tar -xf - -C "$dir"
    ln -s "$venv" "$dir/.venv"
    cd "$dir"
    mkdir src && mv components/cloudfront_origin_lockdown src/ && rmdir components
    sed -i 's|PROJECT_DIR / "components"|PROJECT_DIR / "src"|' __main__.py
    sed -i 's|parents\[2\] / "components"|parents[2] / "src"|' tests/components/*.py
    sed -i 's|REPO / "components" /|REPO / "src" /|' tests/nginx_server.py
    sed -i 's|^pythonpath = \[".", "components"\]|pythonpath = [".", "src"]|' pyproject.toml
    local tests
    tests=$(printf '"%s", ' "$@")
    cat >> pyproject.toml <<CONF

[tool.mutmut]
process_isolation = "forkserver"
source_paths = ["$source_path"]
only_mutate = ["$only"]
also_copy = ["src", "offline", "__main__.py", "Pulumi.yaml", "Pulumi.dev.yaml", "policy", "tools", "README.md"]
pytest_add_cli_args_test_selection = [${tests%, }]
CONF
}

run() {  # NAME SOURCE_PATH ONLY_MUTATE TEST...
    local name=$1
    shift
    (prepare "$work/$name" "$@")
    (cd "$work/$name" && .venv/bin/mutmut run --max-children "$(nproc)" > "$work/$name.log" 2>&1) || true
    echo "== $name ($2 against ${*:3}; log: $work/$name.log)"
    (cd "$work/$name" && .venv/bin/mutmut results --all true 2>/dev/null | awk -F': ' '{print $2}' | sort | uniq -c)
    (cd "$work/$name" && .venv/bin/mutmut results 2>/dev/null | grep -v ': killed$' || true)
}

for module in "$@"; do
    case $module in
        settings)
            run settings src src/cloudfront_origin_lockdown/settings.py tests/components/test_settings.py \
                tests/components/test_config.py tests/components/test_preflight.py ;;
        config) run config src src/cloudfront_origin_lockdown/config.py tests/components/test_config.py ;;
        security_groups)
            run security_groups src src/cloudfront_origin_lockdown/security_groups.py \
                tests/components/test_security_groups.py ;;
        check) run check offline offline/check.py tests/offline/test_check.py ;;
        *) echo "unknown module $module (settings, config, security_groups, check)" >&2; exit 2 ;;
    esac
done
