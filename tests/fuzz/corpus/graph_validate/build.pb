
“
compile-mainshellT"Ro=$(mktemp) && cc -O2 -Wall -c "$1" -o "$o" && cat "$o"; s=$?; rm -f "$o"; exit $s"examples/build-c/main.c"
shell0
•
compile-statsshellT"Ro=$(mktemp) && cc -O2 -Wall -c "$1" -o "$o" && cat "$o"; s=$?; rm -f "$o"; exit $s"examples/build-c/stats.c"
shell0
—
compile-formatshellT"Ro=$(mktemp) && cc -O2 -Wall -c "$1" -o "$o" && cat "$o"; s=$?; rm -f "$o"; exit $s"examples/build-c/format.c"
shell0
š
linkshellK"Io=$(mktemp) && cc "$@" -o "$o" -lm && cat "$o"; s=$?; rm -f "$o"; exit $s
compile-main
compile-stats
compile-format"
shell0
F
runshell"chmod +x "$1" && "$1" "$2"
link"100"
shell0run