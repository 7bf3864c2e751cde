#!/usr/bin/env bash
# Build the short README.md: docs/README_head.md (what it is, the two commands, a worked example,
# the command table) and a list of the documentation pages, each linked with its first heading.
# The pages are docs/sections/*.md (one per stage; a new file there is listed without editing this
# script), then docs/README_design.md and docs/README_dev.md.
set -euo pipefail
cd "$(dirname "$0")"
ORDER=(tagging read segment lexicon classify stats tables indicators research robustness bench)

title() {  # the first Markdown heading of a page, without its #s
  grep -m1 -E '^#+ ' "$1" | sed -E 's/^#+ +//'
}

pages=()
for s in "${ORDER[@]}"; do
  [ -f "sections/$s.md" ] && pages+=("sections/$s.md")
done
for f in sections/*.md; do
  case " ${pages[*]} " in *" $f "*) ;; *) pages+=("$f") ;; esac
done
pages+=(README_design.md README_dev.md)

{
  cat README_head.md
  echo
  echo "## Documentation"
  echo
  echo "One page per stage, with real commands and their output:"
  echo
  for f in "${pages[@]}"; do
    echo "- [$(title "$f")](docs/$f)"
  done
} > ../README.md
