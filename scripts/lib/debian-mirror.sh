# Shared by the scripts that fetch from Debian (ci/fetch-cuda-tools.sh, opencl/run.sh): source it.
# find_mirror prints the first Debian mirror URI (not -security) that this machine's apt sources
# list, one-line or deb822, else http://deb.debian.org/debian.

find_mirror() {
  local f uri=""
  if [[ -r /etc/apt/sources.list ]]; then
    uri=$(awk '
      /^[[:space:]]*deb[[:space:]]/ {
        i = 2; if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($i ~ /^(https?|file):/ && $i !~ /security/ && $(i+1) !~ /security/) { print $i; exit }
      }' /etc/apt/sources.list)
  fi
  if [[ -z $uri ]]; then
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
      [[ -r $f ]] || continue
      case $f in
        *.list)
          uri=$(awk '
            /^[[:space:]]*deb[[:space:]]/ {
              i = 2; if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
              if ($i ~ /debian/ && $i !~ /security/ && $(i+1) !~ /security/) { print $i; exit }
            }' "$f") ;;
        *.sources)
          # deb822: stanzas separated by blank lines; use one with Types: deb, enabled, a Debian
          # suite (bookworm, trixie, ...) that is not -security.
          uri=$(awk '
            function flush() {
              if (types ~ /(^|[[:space:]])deb($|[[:space:]])/ && enabled !~ /^[[:space:]]*no/ &&
                  uris != "" && suites !~ /security/ && (uris ~ /debian/ || suites ~ /bookworm|trixie|bullseye|sid/)) {
                split(uris, u, /[[:space:]]+/); print u[1]; found = 1; exit
              }
              types = ""; uris = ""; suites = ""; enabled = ""
            }
            /^#/ { next }
            /^[[:space:]]*$/ { flush(); next }
            tolower($1) == "types:"   { sub(/^[^:]*:[[:space:]]*/, ""); types = $0 }
            tolower($1) == "uris:"    { sub(/^[^:]*:[[:space:]]*/, ""); uris = $0 }
            tolower($1) == "suites:"  { sub(/^[^:]*:[[:space:]]*/, ""); suites = $0 }
            tolower($1) == "enabled:" { sub(/^[^:]*:[[:space:]]*/, ""); enabled = $0 }
            END { if (!found) flush() }' "$f") ;;
      esac
      [[ -n $uri ]] && break
    done
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}
