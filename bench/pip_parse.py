#!/usr/bin/python3
"""Parse throughput of pip's own requirements-file parser (the baseline of bench/run.ts).

Run with Debian's /usr/bin/python3 (python3-pip). Reads one JSON request on
stdin: {"requirements": [paths], "pyproject": [paths], "minSeconds": float,
"minPasses": int, "warmup": int, "constructors": bool}, prints one JSON document with the seconds of
each timed pass over all the files. Only the parse loop is timed: files are
read before timing, nothing touches the network.

requirements ("pip-req-file"): pip._internal.req.req_file's pipeline for one
    file's content, exactly what parse_requirements() runs per file -- preprocess
    (line joining, comment stripping, ${VAR} expansion), the optparse line parser,
    ParsedLine and handle_line -- without following -r/-c includes (their lines
    are parsed, the included files are not read: the files are parsed one by one,
    as the language server does).
requirements ("pip-req-file+constructors"): the same, then what pip does next
    with every requirement line, install_req_from_parsed_requirement (PEP 508
    via pip's vendored packaging), i.e. the work needed to learn the names.
pyproject ("pip-tomli+packaging"): pip's vendored tomli, then pip's vendored
    packaging Requirement for every PEP 508 string of the standard tables
    (build-system.requires, as pip._internal.pyproject does, plus
    project.dependencies, project.optional-dependencies and dependency-groups).
"""

import contextlib
import io
import json
import logging
import os
import sys
import time
import warnings

logging.disable(logging.CRITICAL)
warnings.simplefilter("ignore")

import pip  # noqa: E402
from pip._internal.req import req_file  # noqa: E402
from pip._internal.req.constructors import install_req_from_parsed_requirement  # noqa: E402
from pip._vendor import tomli  # noqa: E402
from pip._vendor.packaging.requirements import Requirement  # noqa: E402


def parse_requirements_content(path, content, construct):
    line_parser = req_file.get_line_parser(None)
    n = 0
    for lineno, line in req_file.preprocess(content):
        try:
            args_str, opts = line_parser(line)
        except req_file.OptionParsingError:
            continue
        parsed = req_file.ParsedLine(path, lineno, args_str, opts, False)
        if not parsed.is_requirement and (opts.requirements or opts.constraints):
            continue  # an include: parse_requirements would recurse into another file here
        try:
            req = req_file.handle_line(parsed, None, None, None)
        except Exception:
            continue
        if req is None:
            continue
        n += 1
        if construct:
            try:
                install_req_from_parsed_requirement(req)
            except Exception:
                pass
    return n


def pep508_strings(doc):
    out = list((doc.get("build-system") or {}).get("requires") or [])
    project = doc.get("project") or {}
    out += project.get("dependencies") or []
    for deps in (project.get("optional-dependencies") or {}).values():
        out += deps
    for deps in (doc.get("dependency-groups") or {}).values():
        out += [d for d in deps if isinstance(d, str)]
    return [s for s in out if isinstance(s, str)]


def parse_pyproject_content(content):
    n = 0
    try:
        doc = tomli.loads(content)
    except Exception:
        return 0
    for s in pep508_strings(doc):
        try:
            Requirement(s)
            n += 1
        except Exception:
            pass
    return n


def measure(texts, parse, min_seconds, min_passes, warmup):
    def one_pass():
        n = 0
        t0 = time.perf_counter()
        for path, content in texts:
            n += parse(path, content)
        return time.perf_counter() - t0, n

    count = 0
    for _ in range(warmup):
        _, count = one_pass()
    passes = []
    while len(passes) < min_passes or sum(passes) < min_seconds:
        seconds, count = one_pass()
        passes.append(seconds)
    return {"passesSeconds": passes, "dependencies": count}


def main():
    request = json.load(sys.stdin)
    read = lambda paths: [(p, open(p, encoding="utf-8").read()) for p in paths]  # noqa: E731
    requirements = read(request["requirements"])
    pyproject = read(request["pyproject"])
    os.environ.clear()  # ${VAR} expands to nothing, as in the Node run (env {})
    args = (request["minSeconds"], request["minPasses"], request["warmup"])
    with contextlib.redirect_stderr(io.StringIO()):  # optparse prints usage on bad lines
        result = {
            "python": sys.version.split()[0],
            "pip": pip.__version__,
            "pip-req-file": measure(requirements, lambda p, c: parse_requirements_content(p, c, False), *args),
            "pip-tomli+packaging": measure(pyproject, lambda p, c: parse_pyproject_content(c), *args),
        }
        if request.get("constructors", True):
            # Informational and slow (PEP 508 through pyparsing): one pass after one warm-up.
            result["pip-req-file+constructors"] = measure(
                requirements, lambda p, c: parse_requirements_content(p, c, True), 0, 1, 1
            )
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
