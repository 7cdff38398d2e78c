
T
fetchshell7"5for i in $(seq 1 50); do echo $((i * 37 % 101)); done"
shell0
/
sortedshell"sort"-n"
stdin
fetch
…
reportshell]"[echo "count: $(wc -l < "$1")"; echo "min: $(head -n 1 "$1")"; echo "max: $(tail -n 1 "$1")"
sorted"
shell0
2
doneshell"echo"pipeline finishedRreportreportdone