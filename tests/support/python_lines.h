// Python's reading of a text file's lines as the bag readers define them, for tests that compute
// expected values with /usr/bin/python3 (RunPython's prelude): gzip by magic bytes, UTF-8 with
// errors="replace", lines split at b"\n" only, one b"\r" before it dropped, no line after a final
// newline. `lines(path)` gives the lines as bytes.
#pragma once

namespace brisk::testing {

inline constexpr char kPythonReadLines[] = R"(
import gzip
def lines(path):
    data = open(path, 'rb').read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    data = data.decode('utf-8', errors='replace').encode('utf-8')
    out = data.split(b'\n')
    if out and out[-1] == b'':
        out.pop()
    return [l[:-1] if l.endswith(b'\r') else l for l in out]
)";

}  // namespace brisk::testing
