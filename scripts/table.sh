#!/usr/bin/env bash
# Prints '|'-separated lines from stdin as an aligned table (the first line is the header).
# Plain awk, so it needs nothing beyond the base system.
set -euo pipefail
awk -F'|' '
  { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > width[i]) width[i] = length($i) }
    if (NF > cols) cols = NF }
  END {
    for (r = 1; r <= NR; r++) {
      line = ""
      for (i = 1; i <= cols; i++) line = line sprintf("%-" width[i] "s", cell[r, i]) (i < cols ? "  " : "")
      sub(/ +$/, "", line); print line
      if (r == 1) { rule = ""; for (i = 1; i <= cols; i++) { for (j = 0; j < width[i]; j++) rule = rule "-"; if (i < cols) rule = rule "  " } print rule }
    }
  }'
