#!/usr/bin/python3
"""Reference for the PEP 440 differential tests (test/unit/pin-choice-differential.test.ts).

Reads ONE JSON request on stdin, prints ONE JSON document on stdout. Run with the Debian
interpreter (/usr/bin/python3), whose python3-packaging is the reference.

Request: {"versions": [str, ...], "specifiers": [str, ...], "probes": [str, ...]}
Response:
  {"packaging": version string,
   "versions": [{"normalized": str, "rank": int} | null, ...]
       rank: the position of the version among the valid ones in packaging's order, equal
       versions sharing a rank; null for a string packaging.version.Version rejects,
   "specifiers": [[bool, ...] | null, ...]
       for each specifier set, SpecifierSet(s).contains(probe) for every probe (pre-releases
       allowed only as packaging allows them by default); null when SpecifierSet rejects it
       or cannot evaluate it}
"""

import json
import sys

try:
    import packaging
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version
except ImportError as e:  # pragma: no cover
    print(json.dumps({"fatal": f"python3-packaging is missing: {e}"}))
    sys.exit(3)


def versions(strings):
    parsed = []
    for s in strings:
        try:
            parsed.append(Version(s))
        except InvalidVersion:
            parsed.append(None)
    ordered = sorted({v for v in parsed if v is not None})
    rank = {v: i for i, v in enumerate(ordered)}
    return [None if v is None else {"normalized": str(v), "rank": rank[v]} for v in parsed]


def specifiers(strings, probes):
    probe_versions = [Version(p) for p in probes]
    out = []
    for s in strings:
        # packaging 23 accepts `==v3.1.*` and then fails on every contains(): unusable, so rejected.
        try:
            spec = SpecifierSet(s)
            out.append([spec.contains(p) for p in probe_versions])
        except (InvalidSpecifier, InvalidVersion):
            out.append(None)
    return out


def main():
    request = json.load(sys.stdin)
    print(json.dumps({
        "packaging": packaging.__version__,
        "versions": versions(request.get("versions", [])),
        "specifiers": specifiers(request.get("specifiers", []), request.get("probes", [])),
    }))


main()
