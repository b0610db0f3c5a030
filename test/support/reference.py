#!/usr/bin/python3
"""Reference oracle for the differential tests (test/unit/differential.test.ts).

Reads ONE JSON request on stdin, prints ONE JSON document on stdout.  Must be run
with the Debian interpreter (/usr/bin/python3) that has `python3-packaging`
(PEP 508 / PEP 503 reference) and `python3-pip` (requirements-file reference).

Requests
--------
{"mode": "requirements", "files": [abs paths], "texts": [strings], "env": {...},
 "constraint": false}
    For every file (then every text) pip's line-level parse, WITHOUT following
    -r/-c includes (they are recorded instead).  `env` replaces os.environ
    while parsing (pip expands ${VAR} with os.getenv); default: empty.
    -> {"files": [FileResult, ...]} in the order files..., texts...

{"mode": "pep508", "inputs": [strings]}
    -> {"results": [Pep508Result, ...]}

{"mode": "markers", "inputs": [strings]}
    str(packaging.markers.Marker(s)) for each string (normalised form), or error.
    -> {"results": [{"normalized": str} | {"error": str}, ...]}

{"mode": "batch", "requests": [request, ...]}
    -> {"results": [response, ...]}   (one Python start-up for everything)

Every response also carries "versions": {"python", "pip", "packaging"}.

Pep508Result (python3-packaging's packaging.requirements.Requirement):
    {"name", "canonical", "extras" (sorted, as written, duplicates kept),
     "specifier" (sorted [[op, version], ...], one per comma clause as written),
     "marker" (str(Marker) or null), "url" (or null)}
  | {"error": message, "offset": int|null}

FileResult:
    {"path", "physicalLines", "lines": [LineResult...], "includes": [...],
     "indexUrls": [...], "noIndex": [linenos], "errors": [{"lineno", "endLineno",
     "line", "error"}]}
  LineResult (one per requirement line, pip's ParsedRequirement):
    {"lineno" (first physical line of the logical line, 1-based),
     "endLineno" (last physical line of the logical line),
     "editable", "constraint", "requirement" (the string pip hands on),
     "hashes" (number of --hash values), "pep508": Pep508Result of
     `requirement`, "pip": PipView}
  PipView = what pip makes of the requirement (pip._internal.req.constructors
    parse_req_from_line / parse_editable, i.e. marker split on ';', #egg=
    fragments, wheel file names, local paths), with python3-packaging's grammar
    injected in place of pip's vendored packaging 21.3 (modern pip >= 24.1 no
    longer accepts the legacy specifiers 21.3 allowed):
    {"name" (null for unnamed URL/path requirements), "canonical", "extras",
     "specifier", "marker", "url",
     "fromLink" (true when pip took the line as a URL/path/archive link, naming it
     from #egg= or the wheel file name; always true for editables)}
  | {"error": message}
  includes: [{"kind": "requirement"|"constraint", "path", "lineno", "endLineno",
              "ignoredPaths": [...]}]   (pip only follows the first path of a line,
              and ignores -r/-c written on a requirement line)
  indexUrls: [{"url", "extra", "lineno", "endLineno"}]   (only from option lines,
              the only ones pip applies; --index-url before --extra-index-url
              within one line)
"""

import contextlib
import io
import json
import logging
import os
import sys
import tempfile
import warnings


def _die(message, code=3):
    sys.stderr.write(message + "\n")
    print(json.dumps({"fatal": message}))
    sys.exit(code)


try:
    import packaging
    from packaging import _parser as packaging_parser
    from packaging.markers import Marker
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import Specifier
    from packaging.utils import canonicalize_name
except Exception as exc:  # pragma: no cover - environment problem
    _die(
        f"{sys.executable}: cannot import python3-packaging ({exc!r}); "
        "install it with `apt-get install -y python3-packaging`"
    )

try:
    import pip
    from pip._internal.req import constructors as pip_constructors
    from pip._internal.req import req_file as pip_req_file
    from pip._internal.utils.urls import path_to_url as pip_path_to_url
except Exception as exc:  # pragma: no cover - environment problem
    _die(
        f"{sys.executable}: cannot import pip's requirements-file parser ({exc!r}); "
        "install it with `apt-get install -y python3-pip`"
    )

# --- packaging 23.0 bug: Marker() ignores trailing garbage --------------------------
# packaging 23.0's parse_marker() never checks for the end of input, so
# Marker('os_name == "nt" garbage') is accepted as `os_name == "nt"`.  pip's
# vendored packaging 21.3 rejected it and packaging >= 23.1 rejects it again
# (_parse_full_marker); backport that fix so the reference is not wrong.
if not hasattr(packaging_parser, "_parse_full_marker"):
    import packaging.markers as _packaging_markers
    from packaging._tokenizer import Tokenizer as _Tokenizer

    def _strict_parse_marker(source):
        tokenizer = _Tokenizer(source, rules=packaging_parser.DEFAULT_RULES)
        result = packaging_parser._parse_marker(tokenizer)
        tokenizer.expect("END", expected="end of marker expression")
        return result

    packaging_parser.parse_marker = _strict_parse_marker
    _packaging_markers.parse_marker = _strict_parse_marker

logging.disable(logging.CRITICAL)
warnings.simplefilter("ignore")  # pip's egg-fragment deprecation warnings

# --- inject python3-packaging into pip's requirement constructors ----------------
pip_constructors.Requirement = Requirement
pip_constructors.InvalidRequirement = InvalidRequirement
pip_constructors.Marker = Marker
pip_constructors.get_requirement = Requirement


# --- PEP 508 (python3-packaging) ----------------------------------------------------
def _clauses(specifier_text):
    # Exactly how packaging.specifiers.SpecifierSet splits its input, but
    # without collapsing equal clauses (SpecifierSet is a frozenset).
    parts = [s.strip() for s in specifier_text.split(",") if s.strip()]
    out = []
    for part in parts:
        spec = Specifier(part)
        out.append([spec.operator, spec.version])
    return sorted(out)


def describe_pep508(text):
    try:
        req = Requirement(text)
    except Exception as exc:
        # InvalidRequirement; packaging 23.0 also lets urllib's ValueError
        # ("Invalid IPv6 URL") and ast's SyntaxError (quoted marker values
        # with a newline) escape -- both mean "cannot be parsed".
        offset = None
        cause = exc.__cause__
        span = getattr(cause, "span", None)
        if span is not None:
            offset = span[0]
        message = str(exc)
        if not isinstance(exc, InvalidRequirement):
            message = f"{type(exc).__name__}: {message}"
        return {"error": message, "offset": offset}
    raw = packaging_parser.parse_requirement(text)
    return {
        "name": req.name,
        "canonical": canonicalize_name(req.name),
        "extras": sorted(raw.extras or []),
        "specifier": _clauses(raw.specifier),
        "marker": str(req.marker) if req.marker is not None else None,
        "url": req.url,
    }


def normalize_marker(text):
    try:
        return {"normalized": str(Marker(text))}
    except Exception as exc:
        return {"error": str(exc)}


# --- pip's view of one requirement ------------------------------------------------
class _Recorder:
    def __init__(self):
        self.last = None

    def __call__(self, text):
        self.last = text
        return Requirement(text)


_STABLE_CWD_URL = "file:///nonexistent-cwd"


def _stable_url(url):
    # Relative paths are resolved against a temporary empty directory; report
    # them against a fixed pseudo-directory so results are reproducible.
    here = pip_path_to_url(os.getcwd())
    if url is not None and url.startswith(here):
        return _STABLE_CWD_URL + url[len(here):]
    return url


def describe_pip(requirement, editable, line_source):
    try:
        if editable:
            name, url, extras = pip_constructors.parse_editable(requirement)
            url = _stable_url(url)
            if name is not None:
                Requirement(name)
            return {
                "name": name,
                "canonical": canonicalize_name(name) if name else None,
                "extras": sorted(extras),
                "specifier": [],
                "marker": None,
                "url": url,
                "fromLink": True,
            }
        recorder = _Recorder()
        pip_constructors.get_requirement = recorder
        try:
            parts = pip_constructors.parse_req_from_line(requirement, line_source)
        finally:
            pip_constructors.get_requirement = Requirement
        req = parts.requirement
        clauses = []
        extras = sorted(parts.extras) if parts.extras else []
        if req is not None:
            raw = packaging_parser.parse_requirement(recorder.last)
            clauses = _clauses(raw.specifier)
            if parts.link is None or not parts.extras:
                # A PEP 508 requirement: its extras as written.  (pip also
                # strips a trailing `[...]` as "path extras" and lower-cases
                # them; for a named requirement those are the same extras.)
                extras = sorted(raw.extras or [])
        marker = parts.markers if parts.markers is not None else (req.marker if req else None)
        url = parts.link.url if parts.link is not None else (req.url if req else None)
        url = _stable_url(url)
        return {
            "name": req.name if req is not None else None,
            "canonical": canonicalize_name(req.name) if req is not None else None,
            "extras": extras,
            "specifier": clauses,
            "marker": str(marker) if marker is not None else None,
            "url": url,
            "fromLink": parts.link is not None,
        }
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


# --- requirements files -----------------------------------------------------------
def _preprocess_with_spans(content):
    """pip's req_file.preprocess, additionally recording for each logical line
    the last physical line it consumed."""
    state = {"last": 0}
    spans = {}

    def track(lines_enum):
        for number, line in lines_enum:
            state["last"] = number
            yield number, line

    def record(lines_enum):
        for number, line in lines_enum:
            spans[number] = state["last"]
            yield number, line

    lines_enum = enumerate(content.splitlines(), start=1)
    lines_enum = record(pip_req_file.join_lines(track(lines_enum)))
    lines_enum = pip_req_file.ignore_comments(lines_enum)
    lines_enum = pip_req_file.expand_env_variables(lines_enum)
    return lines_enum, spans


def parse_requirements_content(path, content, constraint):
    # Sanity check: our instrumented pipeline must be pip's pipeline.
    expected = list(pip_req_file.preprocess(content))
    lines_enum, spans = _preprocess_with_spans(content)
    logical = list(lines_enum)
    if logical != expected:
        raise RuntimeError("instrumented preprocess diverged from pip's preprocess")

    line_parser = pip_req_file.get_line_parser(None)
    result = {
        "path": path,
        "physicalLines": len(content.splitlines()),
        "lines": [],
        "includes": [],
        "indexUrls": [],
        "noIndex": [],
        "errors": [],
    }
    for lineno, line in logical:
        end = spans.get(lineno, lineno)
        try:
            # optparse prints its usage text to stderr before raising
            with contextlib.redirect_stderr(io.StringIO()):
                args_str, opts = line_parser(line)
        except pip_req_file.OptionParsingError as exc:
            result["errors"].append(
                {"lineno": lineno, "endLineno": end, "line": line, "error": exc.msg}
            )
            continue
        except Exception as exc:  # optparse surprises
            result["errors"].append(
                {"lineno": lineno, "endLineno": end, "line": line,
                 "error": f"{type(exc).__name__}: {exc}"}
            )
            continue
        parsed = pip_req_file.ParsedLine(path, lineno, args_str, opts, constraint)
        if parsed.is_requirement:
            req = pip_req_file.handle_requirement_line(parsed, None)
            hashes = 0
            for digests in ((req.options or {}).get("hashes") or {}).values():
                hashes += len(digests)
            result["lines"].append(
                {
                    "lineno": lineno,
                    "endLineno": end,
                    "editable": bool(req.is_editable),
                    "constraint": bool(req.constraint),
                    "requirement": req.requirement,
                    "hashes": hashes,
                    "pep508": describe_pep508(req.requirement),
                    "pip": describe_pip(
                        req.requirement, req.is_editable, f"line {lineno} of {path}"
                    ),
                }
            )
            continue
        # An option line.  Mirrors RequirementsFileParser._parse_and_recurse
        # (which follows only one path per line) and handle_option_line.
        if opts.requirements or opts.constraints:
            if opts.requirements:
                kind, chosen = "requirement", opts.requirements[0]
            else:
                kind, chosen = "constraint", opts.constraints[0]
            ignored = list(opts.requirements or []) + list(opts.constraints or [])
            ignored.remove(chosen)
            result["includes"].append(
                {"kind": kind, "path": chosen, "lineno": lineno, "endLineno": end,
                 "ignoredPaths": ignored}
            )
        if opts.no_index:
            result["noIndex"].append(lineno)
        if opts.index_url:
            result["indexUrls"].append(
                {"url": opts.index_url, "extra": False, "lineno": lineno, "endLineno": end}
            )
        for url in opts.extra_index_urls or []:
            result["indexUrls"].append(
                {"url": url, "extra": True, "lineno": lineno, "endLineno": end}
            )
    return result


def _with_env(env, func, *args):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({k: v for k, v in (env or {}).items() if v is not None})
    try:
        return func(*args)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def handle_requirements(request):
    env = request.get("env") or {}
    constraint = bool(request.get("constraint", False))
    out = []
    # Relative paths in requirement lines are resolved against an empty
    # directory, so nothing on this machine influences the result.
    with tempfile.TemporaryDirectory(prefix="pypi-status-ref-") as empty:
        cwd = os.getcwd()
        os.chdir(empty)
        try:
            for path in request.get("files") or []:
                try:
                    _, content = pip_req_file.get_file_content(path, None)
                except Exception as exc:
                    out.append({"path": path, "fatal": f"{type(exc).__name__}: {exc}"})
                    continue
                out.append(_with_env(env, parse_requirements_content, path, content, constraint))
            for index, text in enumerate(request.get("texts") or []):
                out.append(
                    _with_env(env, parse_requirements_content, f"<text {index}>", text, constraint)
                )
        finally:
            os.chdir(cwd)
    return {"files": out}


def handle(request):
    mode = request.get("mode")
    if mode == "requirements":
        return handle_requirements(request)
    if mode == "pep508":
        return {"results": [describe_pep508(s) for s in request.get("inputs") or []]}
    if mode == "markers":
        return {"results": [normalize_marker(s) for s in request.get("inputs") or []]}
    if mode == "batch":
        return {"results": [handle(r) for r in request.get("requests") or []]}
    raise ValueError(f"unknown mode {mode!r}")


def main():
    request = json.load(sys.stdin)
    response = handle(request)
    response["versions"] = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "pip": pip.__version__,
        "pipPath": os.path.dirname(pip.__file__),
        "packaging": packaging.__version__,
        "packagingPath": os.path.dirname(packaging.__file__),
    }
    sys.stdout.write(json.dumps(response))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
