#!/usr/bin/env bash
# Checks status-core's layering: every `crate::<module>` path in a module's non-test code must
# name a module listed below it in the module map at the top of src/lib.rs, every module
# declared in lib.rs must be on the map, and no module may reach a crate-root re-export
# (`crate::Decoder`), which would hide the module it comes from.
set -euo pipefail
cd "$(dirname "$0")/../crates/status-core/src"

# The map, top layer first: the first word of each indented line of the map comment.
mapfile -t layers < <(awk '
  /^\/\/ The module map\./ { on = 1; next }
  on && /^\/\/ The data flow/ { exit }
  on && /^\/\/   [a-z_]+ / { print $2 }
' lib.rs)
[ "${#layers[@]}" -gt 0 ] || { echo "layers.sh: no module map in lib.rs" >&2; exit 1; }

declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$(( ${#layers[@]} - i )); done

status=0
for m in $(sed -nE 's/^(pub )?mod ([a-z_0-9]+);/\2/p' lib.rs); do
  if [ -z "${rank[$m]:-}" ]; then
    echo "layers.sh: module \`$m\` is declared in lib.rs but not on the module map" >&2
    status=1
  fi
done

for m in "${layers[@]}"; do
  files=()
  [ -f "$m.rs" ] && files+=("$m.rs")
  [ -d "$m" ] && while IFS= read -r f; do files+=("$f"); done < <(find "$m" -name '*.rs' ! -name tests.rs | sort)
  if [ "${#files[@]}" -eq 0 ]; then
    echo "layers.sh: module \`$m\` is on the map but has no source" >&2
    status=1
    continue
  fi
  for f in "${files[@]}"; do
    # Code before the test module, without comments; each `crate::` path with its line.
    while IFS=: read -r line target; do
      if [ "$target" = "{" ] || [ "$target" = "super" ]; then
        echo "$f:$line: name each module as \`crate::<module>::...\` (no \`crate::{...}\`, no \`super::\` to the root)" >&2
        status=1
      elif [[ $target =~ ^[A-Z] ]]; then
        echo "$f:$line: \`crate::$target\` goes through a crate-root re-export; name its module" >&2
        status=1
      elif [ -z "${rank[$target]:-}" ]; then
        echo "$f:$line: \`crate::$target\` is not a module on the map" >&2
        status=1
      elif [ "${rank[$target]}" -ge "${rank[$m]}" ]; then
        echo "$f:$line: \`$m\` uses \`$target\`, which is not below it on the map" >&2
        status=1
      fi
    done < <(awk '
      /^#\[cfg\(test\)\]/ { getline nextline; if (nextline ~ /^mod tests/) exit; $0 = nextline }
      { sub(/\/\/.*/, "") }
      top && /(^|[^a-z_])super::/ { print FNR ":super" }
      { while (match($0, /crate::(\{|[A-Za-z_0-9]+)/)) {
          print FNR ":" substr($0, RSTART + 7, RLENGTH - 7)
          $0 = substr($0, RSTART + RLENGTH)
        } }
    ' top="$([[ $f == */* ]] && echo 0 || echo 1)" "$f")
  done
done

if [ "$status" -eq 0 ]; then
  echo "layers.sh: ${#layers[@]} modules, every crate:: path points down"
fi
exit "$status"
