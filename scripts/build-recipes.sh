#!/usr/bin/env bash
# Builds the template archives and records their size and sha256 in the built-in feed.
#
#   scripts/build-recipes.sh                 lint every template under Recipes/, build
#                                            Recipes/dist/<id>.tar.gz, then write each archive's
#                                            <fileSize> (KB) and <pd:sha256> into Feeds/paddock.xml
#   scripts/build-recipes.sh --no-feed       build the archives only
#   scripts/build-recipes.sh --check         change nothing; exit 1 naming every template whose
#                                            feed values (or Recipes/dist archive) differ from a
#                                            fresh build
#   scripts/build-recipes.sh --feed FILE ... use another feed file
#   scripts/build-recipes.sh ... ID ...      only these templates
#
# A template is a folder Recipes/<id>/ holding Parameters.xml (see Recipes/README.md). Its
# archive holds one top-level folder <id>/ and is deterministic: sorted entries, mtime 0,
# owner and group 0, normalised modes (644, or 755 for executables and folders), GNU tar
# format, gzip -n. The same sources give the same bytes, so the sha256 in the feed can be
# checked against a fresh build.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
feed_update=1
feed="Feeds/paddock.xml"
ids=()
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check=1 ;;
        --no-feed) feed_update=0 ;;
        --feed) feed="${2:?--feed needs a file}"; shift ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "build-recipes: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) ids+=("$1") ;;
    esac
    shift
done

if [ ${#ids[@]} -eq 0 ]; then
    for dir in Recipes/*/; do
        [ -f "$dir/Parameters.xml" ] && ids+=("$(basename "$dir")")
    done
fi
[ ${#ids[@]} -gt 0 ] || { echo "build-recipes: no templates under Recipes/ (a template folder holds Parameters.xml)" >&2; exit 1; }
for id in "${ids[@]}"; do
    [ -f "Recipes/$id/Parameters.xml" ] || { echo "build-recipes: Recipes/$id is not a template (no Parameters.xml)" >&2; exit 1; }
done

for tool in tar gzip python3 sha256sum; do
    command -v "$tool" >/dev/null || { echo "build-recipes: $tool is needed" >&2; exit 1; }
done
tar --version | head -1 | grep -q 'GNU tar' || { echo "build-recipes: GNU tar is needed (for --sort=name)" >&2; exit 1; }

# Lint first: a template whose placeholders or parameters do not add up is not packed.
python3 scripts/render-template.py --lint "${ids[@]/#/Recipes/}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

build() { # build ID OUT.tar.gz
    tar -C Recipes \
        --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
        --mode='u=rwX,go=rX' --format=gnu \
        --exclude='__pycache__' --exclude='*.pyc' --exclude='.DS_Store' \
        -cf - "$1" | gzip -n -9 > "$2"
}

pairs=()
stale=()
for id in "${ids[@]}"; do
    # git does not keep an empty folder, so an archive built with one here differs from the
    # one a clean clone builds: refuse it (Rails' convention is a .keep file inside).
    empty="$(find "Recipes/$id" -type d -empty -print -quit)"
    if [ -n "$empty" ]; then
        echo "build-recipes: $empty is an empty folder, which git does not keep; put a .keep file in it" >&2
        exit 1
    fi
    fresh="$work/$id.tar.gz"
    build "$id" "$fresh"
    pairs+=("$id=$fresh")
    bytes=$(stat -c %s "$fresh")
    if [ $check -eq 1 ]; then
        if ! cmp -s "$fresh" "Recipes/dist/$id.tar.gz"; then
            stale+=("$id")
            echo "$id: stale: Recipes/dist/$id.tar.gz is missing or differs from a fresh build of Recipes/$id" >&2
        fi
    else
        mkdir -p Recipes/dist
        cp "$fresh" "Recipes/dist/$id.tar.gz"
        echo "$id: Recipes/dist/$id.tar.gz, $bytes bytes, sha256 $(sha256sum "$fresh" | cut -d' ' -f1)"
    fi
done

if [ $check -eq 1 ]; then
    status=0
    python3 scripts/recipe-feed.py check "$feed" "${pairs[@]}" || status=1
    if [ ${#stale[@]} -gt 0 ] || [ $status -ne 0 ]; then
        echo "build-recipes --check: stale template archive(s) or feed values; run scripts/build-recipes.sh" >&2
        exit 1
    fi
    echo "build-recipes --check: ${ids[*]} up to date"
    exit 0
fi

if [ $feed_update -eq 1 ]; then
    python3 scripts/recipe-feed.py update "$feed" "${pairs[@]}"
fi
