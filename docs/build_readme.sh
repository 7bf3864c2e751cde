#!/usr/bin/env bash
# Assemble README.md from its parts (the head, one section per stage, design, development).
set -euo pipefail
cd "$(dirname "$0")"
{
  cat README_head.md
  for s in tagging read segment lexicon classify stats indicators research robustness bench; do
    cat "sections/$s.md"; echo
  done
  cat README_design.md README_dev.md
} > ../README.md
