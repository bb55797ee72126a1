#!/bin/sh
# check_config_docs.sh BINARY DOC — fail when DOC (docs/configuration.md)
# differs from what the binary's parameter table generates. To refresh:
#   build/app/slipstream --dump-config-docs > docs/configuration.md
set -eu
"$1" --dump-config-docs | diff -u "$2" - || {
    echo "docs/configuration.md is stale: run '$1 --dump-config-docs > $2'" >&2
    exit 1
}
