#!/usr/bin/python3
"""Reference oracle for the lock-file differential test (test/unit/lock-differential.test.ts).

Reads ONE JSON request on stdin, prints ONE JSON document on stdout.  Needs Python >= 3.11 (tomllib)
and `packaging`; the Debian interpreter /usr/bin/python3 has both.

Request:  {"locks": [{"path", "kind"}], "toml": [paths]}
  kind: uv | poetry | pdm | pylock | pipfile-lock | compiled-requirements
Response: {"locks": [Lock | {"error"}], "toml": [document | {"error"}]}
  Lock = {"packages": [{"name", "version", "source", "edges": [Edge]}], "roots": [Root]}
  Edge = "kind|group|normalized name|marker|extras,sorted|targets" where targets are the
         "name==version" of the packages the edge resolves to, sorted, joined with ",".
  Root = "member|kind|group|edge names sorted" (uv and compiled requirements only).
  source = "registry:<url>", "git:<url>", "url:<url>", "path:<p>", "directory:<p>", "editable:<p>", "virtual:<p>"
A "toml" document is tomllib's reading, with dates and times as "<datetime>".

The rules are those of server/src/core/lock/*.ts, written again from the formats' documentation
and the files, on Python's own TOML and JSON readers.
"""

import json
import re
import sys

try:
    import tomllib
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except Exception as exc:  # pragma: no cover - environment problem
    sys.stderr.write(f"{sys.executable}: {exc!r}\n")
    print(json.dumps({"fatal": repr(exc)}))
    sys.exit(3)


def norm(name):
    return canonicalize_name(name)


def s(v):
    return v if isinstance(v, str) else None


def tables(v):
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def edge(kind, group, name, marker=None, extras=(), specifier=None, **pick):
    return {"kind": kind, "group": group or "", "name": name, "marker": marker or "", "extras": sorted(extras), "pick": pick}


# --- uv -------------------------------------------------------------------------------------------

def uv_source(t):
    if not isinstance(t, dict):
        return None
    for k in ("registry", "git", "url"):
        if isinstance(t.get(k), str):
            return f"{k}:{t[k]}"
    for k in ("editable", "virtual", "path", "directory"):
        if isinstance(t.get(k), str):
            return f"{k}:{t[k]}"
    return None


def uv_edges(lst, kind, group):
    out = []
    for t in tables(lst):
        if not isinstance(t.get("name"), str):
            continue
        ex = t.get("extra", t.get("extras", []))
        out.append(edge(kind, group, t["name"], s(t.get("marker")), [x for x in ex if isinstance(x, str)] if isinstance(ex, list) else [],
                        version=s(t.get("version")), source=uv_source(t.get("source"))))
    return out


def read_uv(data):
    pkgs = []
    for t in tables(data.get("package")):
        if not isinstance(t.get("name"), str):
            continue
        edges = uv_edges(t.get("dependencies"), "required", None)
        for kind, key in (("optional", "optional-dependencies"), ("dev", "dev-dependencies")):
            for g, lst in (t.get(key) or {}).items():
                edges += uv_edges(lst, kind, g)
        groups = [("required", "")] + [(k, g) for k, key in (("optional", "optional-dependencies"), ("dev", "dev-dependencies")) for g in (t.get(key) or {})]
        pkgs.append({"name": t["name"], "version": s(t.get("version")), "source": uv_source(t.get("source")) or "registry:", "edges": edges, "groups": groups})
    manifest = data.get("manifest") if isinstance(data.get("manifest"), dict) else {}
    members = {norm(m) for m in manifest.get("members", []) if isinstance(m, str)}
    roots = []
    for p in pkgs:
        kind = p["source"].split(":", 1)[0]
        local = kind in ("editable", "virtual")
        if (norm(p["name"]) in members and local) if members else (local and p["source"].split(":", 1)[1] == "."):
            roots += [(p["name"], k, g, [e for e in p["edges"] if e["kind"] == k and e["group"] == g]) for k, g in p["groups"]]
    req = uv_edges(manifest.get("requirements"), "required", None)
    if req:
        roots.append(("", "required", "", req))
    for g, lst in (manifest.get("dependency-groups") or {}).items():
        roots.append(("", "dev", g, uv_edges(lst, "dev", g)))
    return pkgs, roots


# --- poetry, pdm, pylock -------------------------------------------------------------------------------

def read_poetry(data):
    pkgs = []
    for t in tables(data.get("package")):
        if not isinstance(t.get("name"), str):
            continue
        src = t.get("source") if isinstance(t.get("source"), dict) else None
        typ, url = (src or {}).get("type"), (src or {}).get("url", "")
        if src is None or typ is None:
            source = "registry:"
        elif typ in ("git", "url"):
            source = f"{typ}:{url}"
        elif typ == "file":
            source = f"path:{url}"
        elif typ == "directory":
            source = f"{'editable' if src.get('develop') is True else 'directory'}:{url}"
        else:
            source = f"registry:{url}"
        by_extra = {}
        for extra, lst in (t.get("extras") or {}).items():
            for x in lst if isinstance(lst, list) else []:
                m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", x) if isinstance(x, str) else None
                by_extra.setdefault(norm(m.group(1) if m else ""), [])
                if extra not in by_extra[norm(m.group(1) if m else "")]:
                    by_extra[norm(m.group(1) if m else "")].append(extra)
        edges = []
        for name, value in (t.get("dependencies") or {}).items():
            for item in value if isinstance(value, list) else [value]:
                d = item if isinstance(item, dict) else {}
                ex = [x for x in d.get("extras", []) if isinstance(x, str)]
                if d.get("optional") is True:
                    for extra in by_extra.get(norm(name), [""]):
                        edges.append(edge("optional", extra, name, s(d.get("markers")), ex))
                else:
                    edges.append(edge("required", None, name, s(d.get("markers")), ex))
        pkgs.append({"name": t["name"], "version": s(t.get("version")), "source": source, "edges": edges})
    return pkgs, []


def pep508_edges(lst):
    out = []
    for x in lst if isinstance(lst, list) else []:
        if not isinstance(x, str):
            continue
        try:
            r = Requirement(x)
        except Exception:
            continue
        out.append(edge("required", None, r.name, "<any>" if r.marker else "", r.extras))
    return out


def read_pdm(data):
    pkgs = []
    for t in tables(data.get("package")):
        if not isinstance(t.get("name"), str):
            continue
        if isinstance(t.get("git"), str):
            source = f"git:{t['git']}"
        elif isinstance(t.get("url"), str):
            source = f"url:{t['url']}"
        elif isinstance(t.get("path"), str):
            source = f"{'editable' if t.get('editable') is True else 'path'}:{t['path']}"
        else:
            source = "registry:"
        pkgs.append({"name": t["name"], "version": s(t.get("version")), "source": source, "edges": pep508_edges(t.get("dependencies"))})
    return pkgs, []


def read_pylock(data):
    pkgs = []
    for t in tables(data.get("packages")):
        if not isinstance(t.get("name"), str):
            continue
        if isinstance(t.get("vcs"), dict):
            v = t["vcs"]
            source = f"{'git' if v.get('type') == 'git' else 'url'}:{v.get('url', v.get('path', ''))}"
        elif isinstance(t.get("directory"), dict):
            source = f"{'editable' if t['directory'].get('editable') is True else 'directory'}:{t['directory'].get('path', '')}"
        elif isinstance(t.get("archive"), dict):
            a = t["archive"]
            source = f"url:{a['url']}" if isinstance(a.get("url"), str) else f"path:{a.get('path', '')}"
        else:
            source = f"registry:{t.get('index', '')}"
        if "dependencies" in t:
            edges = [edge("required", None, d["name"], version=s(d.get("version"))) for d in tables(t["dependencies"]) if isinstance(d.get("name"), str)]
        else:
            edges = pep508_edges(((t.get("tool") or {}).get("pdm") or {}).get("dependencies"))
        pkgs.append({"name": t["name"], "version": s(t.get("version")), "source": source, "edges": edges})
    return pkgs, []


# --- Pipfile.lock, compiled requirements ---------------------------------------------------------------

def read_pipfile_lock(data):
    sources = {x["name"]: x["url"] for x in (data.get("_meta", {}).get("sources") or []) if isinstance(x, dict) and "name" in x and "url" in x}
    default = next(iter(sources.values()), "")
    pkgs = []
    for cat, entries in data.items():
        if cat == "_meta" or not isinstance(entries, dict):
            continue
        for name, e in entries.items():
            if not isinstance(e, dict):
                continue
            if isinstance(e.get("git"), str):
                source = f"git:{e['git']}"
            elif isinstance(e.get("path"), str):
                source = f"{'editable' if e.get('editable') is True else 'path'}:{e['path']}"
            elif isinstance(e.get("file"), str):
                source = f"url:{e['file']}"
            else:
                source = f"registry:{sources.get(e['index'], '') if isinstance(e.get('index'), str) else default}"
            v = e.get("version")
            pkgs.append({"name": name, "version": re.sub(r"^===?", "", v) if isinstance(v, str) else None, "source": source, "edges": []})
    return pkgs, []


def read_compiled(text, path):
    lines = text.splitlines()
    reqs = []  # (name, version, via list)
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^\s*#\s*via\b\s*(.*)$", line)
        if m:
            entries = [m.group(1).strip()] if m.group(1).strip() else []
            while i + 1 < len(lines) and re.match(r"^\s*#\s{2,}\S", lines[i + 1]) and not re.match(r"^\s*#\s*via\b", lines[i + 1]):
                i += 1
                entries.append(re.sub(r"^\s*#\s+", "", lines[i]).strip())
            if reqs:
                reqs[-1][2].extend(entries)
                reqs[-1][3] = True
        elif line and not line[0].isspace() and not line.startswith(("#", "-")):
            r = Requirement(line.split(" \\")[0].split(" --hash")[0].strip())
            pin = [sp.version for sp in r.specifier if sp.operator == "=="]
            reqs.append([r.name, pin[0] if len(pin) == 1 and "*" not in pin[0] else None, [], False])
        i += 1
    pkgs = [{"name": n, "version": v, "source": "registry:", "edges": []} for n, v, _, _ in reqs]
    index = {norm(n): k for k, (n, _, _, _) in enumerate(reqs)}
    roots = {}
    base = path.replace("\\", "/").split("/")[-1]
    for n, _, via, seen in reqs:
        for entry in via if seen else [f"-r {base}"]:
            inc = re.match(r"^-([rc])\s+(.+)$", entry)
            src = re.match(r"^(\S+)\s+\(([^()]+)\)$", entry)
            if inc and inc.group(1) == "c":
                continue
            if inc or src:
                g = inc.group(2) if inc else src.group(2)
                roots.setdefault(g, ("" if inc else src.group(1), "required", g, []))[3].append(edge("required", None, n))
            elif norm(re.sub(r"\[.*$", "", entry)) in index:
                pkgs[index[norm(re.sub(r"\[.*$", "", entry))]]["edges"].append(edge("required", None, n))
    return pkgs, list(roots.values())


# --- common ------------------------------------------------------------------------------------------

def resolve(pkgs, e):
    cands = [p for p in pkgs if norm(p["name"]) == norm(e["name"])]
    pick = e["pick"]
    if len(cands) > 1 and (pick.get("version") or pick.get("source")):
        m = [p for p in cands if (pick.get("version") is None or p["version"] == pick["version"]) and (pick.get("source") is None or p["source"] == pick["source"])]
        cands = m or cands
    return ",".join(sorted(f"{p['name']}=={p['version'] or ''}" for p in cands))


def edge_key(pkgs, e, markers=True):
    marker = e["marker"] if markers else ("<any>" if e["marker"] else "")
    return "|".join([e["kind"], e["group"], norm(e["name"]), marker, ",".join(e["extras"]), resolve(pkgs, e)])


def read_lock(path, kind):
    text = open(path, encoding="utf-8").read()
    if kind == "compiled-requirements":
        pkgs, roots = read_compiled(text, path)
    elif kind == "pipfile-lock":
        pkgs, roots = read_pipfile_lock(json.loads(text))
    else:
        data = tomllib.loads(text)
        pkgs, roots = {"uv": read_uv, "poetry": read_poetry, "pdm": read_pdm, "pylock": read_pylock}[kind](data)
    markers = kind not in ("pdm", "pylock")
    return {
        "packages": [{"name": p["name"], "version": p["version"], "source": p["source"],
                      "edges": sorted(edge_key(pkgs, e, markers) for e in p["edges"])} for p in pkgs],
        "roots": sorted(f"{m}|{k}|{g}|{','.join(sorted(norm(e['name']) for e in es))}" for m, k, g, es in roots),
    }


def main():
    request = json.loads(sys.stdin.read())
    locks = []
    for item in request.get("locks", []):
        try:
            locks.append(read_lock(item["path"], item["kind"]))
        except Exception as exc:
            locks.append({"error": repr(exc)})
    docs = []
    for path in request.get("toml", []):
        try:
            docs.append(tomllib.loads(open(path, encoding="utf-8").read()))
        except Exception as exc:
            docs.append({"error": repr(exc)})
    print(json.dumps({"locks": locks, "toml": docs}, default=lambda o: "<datetime>"))


if __name__ == "__main__":
    main()
