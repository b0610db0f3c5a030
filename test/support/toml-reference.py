#!/usr/bin/python3
"""Reference oracle for the pyproject.toml differential test (test/unit/pyproject-differential.test.ts).

Reads ONE JSON request on stdin, prints ONE JSON document on stdout.  Needs Python >= 3.11
(tomllib, the TOML 1.0 reader pip and build use) and `packaging` (PEP 508); the Debian
interpreter /usr/bin/python3 has both.

Request:  {"texts": [pyproject.toml texts], "fragments": [strings]}
Response: {"versions": {"python", "executable", "packaging", "packagingPath"},
           "results": [Result, ...]  (one per text),
           "fragments": [str | null, ...]  (one per fragment)}

Result = {"error": tomllib's message} when tomllib rejects the text, else
  {"deps": [Dep, ...], "bad": [[section, string], ...]}
with the dependencies pypi-status reads, by its rules (server/src/core/pyproject.ts):
  PEP 508 arrays  [project] dependencies and optional-dependencies.*, [dependency-groups] *
                  (tables such as {include-group = ...} skipped), [build-system] requires,
                  [tool.uv] dev-/constraint-/override-dependencies, [tool.pdm.dev-dependencies] *,
                  [tool.hatch.envs.*] dependencies and extra-dependencies; "-e ..." entries skipped.
  Poetry tables   [tool.poetry] dependencies and dev-dependencies, [tool.poetry.group.*.dependencies]:
                  every key but python is a name; a table with git, path, url or file is not from
                  the index; a list is several constraints.
  Dep = {"section", "name", "form": "pep508-string" | "poetry-key", "extras" (sorted, unique),
         "url" (or null), "requirement" (the string as tomllib reads it; null for Poetry),
         "specifier" (Poetry: the version constraints joined by " || "; null for PEP 508)}
  "bad": strings that are not valid requirements (or whose name PEP 508 rejects).

A fragment is decoded as the body of a TOML basic string (one-line, or failing that multi-line);
null when neither decodes.  The test uses it to check that the text at a reported range is
what tomllib reads there.
"""

import json
import re
import sys


def _die(message, code=3):
    sys.stderr.write(message + "\n")
    print(json.dumps({"fatal": message}))
    sys.exit(code)


try:
    import tomllib
except Exception as exc:  # pragma: no cover - environment problem
    _die(f"{sys.executable}: cannot import tomllib ({exc!r}); Python >= 3.11 is needed")

try:
    import packaging
    from packaging.requirements import Requirement
except Exception as exc:  # pragma: no cover - environment problem
    _die(
        f"{sys.executable}: cannot import python3-packaging ({exc!r}); "
        "install it with `apt-get install -y python3-packaging`"
    )

# PEP 508 names: packaging also lets a trailing "_" through, pypi-status and every index do not.
NAME_RE = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")
NON_INDEX = ("git", "path", "url", "file")


def pep508_list(section, value, out, bad):
    if not isinstance(value, list):
        return
    for el in value:
        if not isinstance(el, str) or re.match(r"^\s*-e\s", el):
            continue
        try:
            req = Requirement(el)
        except Exception:
            bad.append([section, el])
            continue
        if not NAME_RE.match(req.name):
            bad.append([section, el])
            continue
        out.append({"section": section, "name": req.name, "form": "pep508-string", "extras": sorted(req.extras),
                    "url": req.url, "requirement": el, "specifier": None})


def poetry_table(section, table, out):
    if not isinstance(table, dict):
        return
    for name, value in table.items():
        if name.lower() == "python" or not NAME_RE.match(name):
            continue
        versions, extras, from_index = [], set(), False
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                from_index = True
                versions.append(item)
            elif isinstance(item, dict):
                if any(f in item for f in NON_INDEX):
                    continue
                from_index = True
                if isinstance(item.get("version"), str):
                    versions.append(item["version"])
                if isinstance(item.get("extras"), list):
                    extras.update(e for e in item["extras"] if isinstance(e, str))
        if from_index:
            out.append({"section": section, "name": name, "form": "poetry-key", "extras": sorted(extras),
                        "url": None, "requirement": None, "specifier": " || ".join(versions)})


def get(data, *keys):
    for k in keys:
        if not isinstance(data, dict) or k not in data:
            return None
        data = data[k]
    return data


def tables(value):
    return value.items() if isinstance(value, dict) else []


def extract(text):
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return {"error": str(exc)}
    out, bad = [], []
    pep508_list("build-system.requires", get(data, "build-system", "requires"), out, bad)
    pep508_list("project.dependencies", get(data, "project", "dependencies"), out, bad)
    for k, v in tables(get(data, "project", "optional-dependencies")):
        pep508_list(f"project.optional-dependencies.{k}", v, out, bad)
    for k, v in tables(get(data, "dependency-groups")):
        pep508_list(f"dependency-groups.{k}", v, out, bad)
    for k in ("dev-dependencies", "constraint-dependencies", "override-dependencies"):
        pep508_list(f"tool.uv.{k}", get(data, "tool", "uv", k), out, bad)
    for k, v in tables(get(data, "tool", "pdm", "dev-dependencies")):
        pep508_list(f"tool.pdm.dev-dependencies.{k}", v, out, bad)
    for env, cfg in tables(get(data, "tool", "hatch", "envs")):
        for k in ("dependencies", "extra-dependencies"):
            pep508_list(f"tool.hatch.envs.{env}.{k}", get(cfg, k), out, bad)
    for k in ("dependencies", "dev-dependencies"):
        poetry_table(f"tool.poetry.{k}", get(data, "tool", "poetry", k), out)
    for group, cfg in tables(get(data, "tool", "poetry", "group")):
        poetry_table(f"tool.poetry.group.{group}.dependencies", get(cfg, "dependencies"), out)
    return {"deps": out, "bad": bad}


def decode_basic(fragment):
    for quote in ('"', '"""'):
        try:
            return tomllib.loads(f"x = {quote}{fragment}{quote}")["x"]
        except Exception:
            pass
    return None


def main():
    request = json.loads(sys.stdin.read())
    print(json.dumps({
        "versions": {
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "packaging": packaging.__version__,
            "packagingPath": packaging.__path__[0],
        },
        "results": [extract(t) for t in request.get("texts", [])],
        "fragments": [decode_basic(f) for f in request.get("fragments", [])],
    }))


if __name__ == "__main__":
    main()
