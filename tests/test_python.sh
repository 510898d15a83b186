#!/bin/sh
# The Python package's tests (python/tests, pytest) against this build:
# ANISOCL_LIBRARY is the build tree's library, PYTHONPATH the source tree's
# python/, ANISOCL_PROGRAM the build tree's anisocl (for the example's check
# against anisocl demo).  Output is TAP: pytest's own report as comments,
# then one ok / not ok per test (skips with their reason), and a last line
# for pytest's exit status.  Skipped with a reason where no python3 has
# NumPy and pytest (scripts/setup.sh installs Debian's), or in a sanitizer
# build (Python cannot load an ASan library without preloading its runtime).

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
srcdir_abs=$(cd "$top_srcdir" && pwd)
builddir_abs=$(cd "$top_builddir" && pwd)

if [ -n "${ANISOCL_SANITIZER_FLAGS:-}" ]; then
	echo "1..0 # SKIP sanitizer build: Python would need the ASan runtime preloaded"
	exit 0
fi

# The first python3 with NumPy and pytest: $PYTHON, python3 on PATH (which
# may be a pyenv or conda one without them), then Debian's /usr/bin/python3.
python=""
reason="no python3 found"
for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
	command -v "$candidate" >/dev/null 2>&1 || continue
	if "$candidate" -c 'import numpy' >/dev/null 2>&1; then
		if "$candidate" -c 'import pytest' >/dev/null 2>&1; then
			python=$candidate
			break
		fi
		reason="$candidate has NumPy but no pytest (apt-get install python3-pytest)"
	elif [ "$reason" = "no python3 found" ]; then
		reason="$candidate has no NumPy (apt-get install python3-numpy python3-pytest)"
	fi
done
if [ -z "$python" ]; then
	echo "1..0 # SKIP $reason"
	exit 0
fi

library="$builddir_abs/lib/.libs/libanisocl.so"
if [ ! -f "$library" ]; then
	echo "1..0 # SKIP $library is not built"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/anisocl-test-python.XXXXXX") || {
	echo "1..0 # SKIP cannot create a temporary folder"
	exit 0
}
trap 'rm -rf "$tmp"' EXIT

ANISOCL_LIBRARY=$library
PYTHONPATH="$srcdir_abs/python${PYTHONPATH:+:$PYTHONPATH}"
ANISOCL_PROGRAM="$builddir_abs/anisocl"
# Nothing written into the source tree (read-only under make distcheck).
PYTHONDONTWRITEBYTECODE=1
export ANISOCL_LIBRARY PYTHONPATH ANISOCL_PROGRAM PYTHONDONTWRITEBYTECODE

"$python" -m pytest -q -p no:cacheprovider --basetemp="$tmp/pytest" \
	--junitxml="$tmp/report.xml" --rootdir="$srcdir_abs/python" \
	"$srcdir_abs/python/tests" >"$tmp/pytest.out" 2>&1
status=$?
sed 's/^/# /' "$tmp/pytest.out"

# One TAP line per test case of pytest's JUnit report.
"$python" - "$tmp/report.xml" "$status" <<'EOF'
import sys
import xml.etree.ElementTree as ET

path, status = sys.argv[1], int(sys.argv[2])
lines = []
try:
    cases = ET.parse(path).getroot().iter("testcase")
except (OSError, ET.ParseError) as exc:
    cases = []
    lines.append("not ok - pytest's report %s cannot be read: %s" % (path, exc))
for case in cases:
    name = "%s::%s" % (case.get("classname", "").rsplit(".", 1)[-1], case.get("name"))
    name = name.replace("#", "_")
    failed = case.find("failure") is not None or case.find("error") is not None
    skipped = case.find("skipped")
    if failed:
        lines.append("not ok - %s" % name)
    elif skipped is not None:
        why = (skipped.get("message") or "skipped").replace("\n", " ")
        lines.append("ok - %s # SKIP %s" % (name, why))
    else:
        lines.append("ok - %s" % name)
lines.append("%s - pytest exit status %d" % ("ok" if status == 0 else "not ok", status))
print("1..%d" % len(lines))
for number, line in enumerate(lines, 1):
    word, rest = line.split(" - ", 1)
    print("%s %d - %s" % (word, number, rest))
EOF
