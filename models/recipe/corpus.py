"""Corpus: gathers permissively licensed source code from npm and Debian packages, dedupes it, splits it."""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ALLOWED = {"MIT", "APACHE-2.0", "BSD-2-CLAUSE", "BSD-3-CLAUSE", "ISC", "0BSD", "PSF-2.0", "PYTHON-2.0", "BLUEOAK-1.0.0"}
EXTS = {".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx", ".py"}
PY_STDLIB = Path("/usr/lib/python3.11")
PY_STDLIB_PACKAGE = "libpython3.11-stdlib"
HELDOUT_MODULUS = 25  # about 1 package in 25 is held out, whole


def license_ok(expr):
    """True when an SPDX expression only admits permissive licenses (any branch of OR, all of AND)."""
    if isinstance(expr, dict):
        expr = expr.get("type", "")
    if isinstance(expr, list):
        return bool(expr) and all(license_ok(e) for e in expr)
    if not isinstance(expr, str) or not expr.strip():
        return False
    e = expr.upper().replace("(", " ").replace(")", " ")
    if " OR " in e:
        return any(license_ok(p) for p in e.split(" OR "))
    if " AND " in e:
        return all(license_ok(p) for p in e.split(" AND "))
    return e.strip() in ALLOWED


def looks_generated(text):
    lines = text.split("\n")
    if not lines:
        return True
    longest = max(len(line) for line in lines)
    return longest > 1000 or len(text) / len(lines) > 120


def want_file(path, text):
    name = path.name
    if path.suffix not in EXTS or name.endswith((".min.js", ".min.mjs", ".bundle.js")):
        return False
    return 200 <= len(text.encode("utf-8")) <= 200_000 and not looks_generated(text)


def read_text(path):
    try:
        return path.read_bytes().decode("utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def npm_install(work, spec_file, lock_file):
    """Installs the packages of spec_file (name@version lines) exactly as lock_file pins their dependencies.

    Without lock_file the install resolves the newest matching dependencies and writes lock_file, so every later
    run (another day, another machine) gets the same files and the same corpus."""
    specs = [s.strip() for s in spec_file.read_text().splitlines() if s.strip() and not s.startswith("#")]
    deps = dict(s.rsplit("@", 1) for s in specs)
    target = work / "npm"
    target.mkdir(parents=True, exist_ok=True)
    if not (target / "node_modules").exists():
        (target / "package.json").write_text(
            json.dumps({"name": "glassbox-corpus", "private": True, "dependencies": deps}, indent=1) + "\n")
        flags = ["--ignore-scripts", "--no-audit", "--no-fund", "--legacy-peer-deps"]
        env = {**os.environ, "ONNXRUNTIME_NODE_INSTALL": "skip"}
        if lock_file.exists():
            shutil.copyfile(lock_file, target / "package-lock.json")
            subprocess.run(["npm", "ci", *flags], cwd=target, check=True, env=env)
        else:
            subprocess.run(["npm", "install", *flags], cwd=target, check=True, env=env)
            shutil.copyfile(target / "package-lock.json", lock_file)
    return target / "node_modules"


def npm_packages(node_modules):
    """Yields (name, version, license, dir) for every installed package, nested ones included."""
    seen = set()
    for pj in sorted(node_modules.rglob("package.json")):
        d = pj.parent
        rel = d.relative_to(node_modules).parts
        if not rel or rel[-1] == "node_modules":
            continue
        # a package dir is node_modules/<name> or node_modules/@scope/<name>, possibly nested
        if not (d.parent.name == "node_modules" or (d.parent.name.startswith("@") and d.parent.parent.name == "node_modules")):
            continue
        try:
            meta = json.loads(pj.read_text())
        except (ValueError, OSError):
            continue
        name, version = meta.get("name"), meta.get("version")
        if not name or not version or (name, version) in seen:
            continue
        seen.add((name, version))
        yield name, version, meta.get("license", meta.get("licenses")), d


def package_files(d):
    for root, dirs, files in os.walk(d):
        dirs[:] = [x for x in dirs if x != "node_modules" and not x.startswith(".")]
        for f in sorted(files):
            yield Path(root) / f


def is_heldout(package):
    return int(hashlib.sha1(package.encode()).hexdigest(), 16) % HELDOUT_MODULUS == 0


DOC_FN = re.compile(
    r"/\*\*((?:(?!\*/).){40,600}?)\*/\s*\n(\s*)((?:export\s+)?(?:async\s+)?function\s*\*?\s*\w+\s*\([^)]*\)[^{;]*\{)",
    re.S,
)


def chat_examples(text, lang):
    """A function with its doc comment becomes a chat turn: the code asked about, the comment as the answer."""
    out = []
    for m in DOC_FN.finditer(text):
        doc = " ".join(line.strip().lstrip("*").strip() for line in m.group(1).split("\n"))
        doc = re.sub(r"\s+", " ", doc.split(" @")[0]).strip()
        if len(doc) < 30:
            continue
        start, depth, i = m.start(3), 0, m.start(3)
        while i < len(text) and i - start < 1500:
            c = text[i]
            depth += c == "{"
            depth -= c == "}"
            i += 1
            if depth == 0 and c == "}":
                break
        if depth != 0:
            continue
        code = m.group(2) + text[start:i]
        out.append(
            f"<|im_start|>user\nExplain this code:\n```{lang}\n{code}\n```<|im_end|>\n"
            f"<|im_start|>assistant\n{doc}<|im_end|>\n"
        )
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", default=str(HERE / "work"))
    ap.add_argument("--python-share", type=float, default=0.2, help="cap on Python bytes as a share of all")
    args = ap.parse_args()
    work = Path(args.work)
    node_modules = npm_install(work, HERE / "packages.txt", HERE / "corpus-lock.json")

    docs, manifest, hashes = [], {}, set()

    def add(package, version, license_name, source, rel, text):
        key = hashlib.sha1(re.sub(r"\s+", "", text).encode()).hexdigest()
        if key in hashes:
            return
        hashes.add(key)
        split = "heldout" if is_heldout(package) else "train"
        docs.append({"package": package, "path": rel, "split": split, "text": text})
        entry = manifest.setdefault(
            package, {"package": package, "version": version, "license": license_name, "source": source,
                      "split": split, "files": 0, "bytes": 0},
        )
        entry["files"] += 1
        entry["bytes"] += len(text.encode("utf-8"))

    skipped = {}
    for name, version, lic, d in npm_packages(node_modules):
        if not license_ok(lic):
            skipped[f"{name}@{version}"] = str(lic)
            continue
        lic_name = lic.get("type") if isinstance(lic, dict) else str(lic)
        for f in package_files(d):
            text = read_text(f) if f.suffix in EXTS else None
            if text and want_file(f, text):
                add(name, version, lic_name, "npm", str(f.relative_to(d)), text)

    js_bytes = sum(len(x["text"]) for x in docs)
    py_budget, py_bytes = int(js_bytes * args.python_share / (1 - args.python_share)), 0
    py_version = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", PY_STDLIB_PACKAGE], capture_output=True, text=True
    ).stdout.strip() or "unknown"
    for f in sorted(PY_STDLIB.rglob("*.py")):
        rel = f.relative_to(PY_STDLIB)
        if rel.parts[0] in ("site-packages", "dist-packages", "test", "lib2to3") or py_bytes > py_budget:
            continue
        text = read_text(f)
        if text and want_file(f, text):
            package = f"python3.11/{rel.parts[0].removesuffix('.py')}"
            add(package, py_version, "PSF-2.0", f"debian:{PY_STDLIB_PACKAGE}", str(rel), text)
            py_bytes += len(text)

    chats = []
    for doc in docs:
        if doc["split"] == "train" and doc["path"].endswith((".js", ".ts", ".mjs", ".cjs")):
            lang = "ts" if doc["path"].endswith(".ts") else "js"
            chats += [{"package": doc["package"], "path": doc["path"], "split": "train", "text": t, "kind": "chat"}
                      for t in chat_examples(doc["text"], lang)]
    docs += chats

    (work / "corpus").mkdir(parents=True, exist_ok=True)
    for split in ("train", "heldout"):
        with open(work / "corpus" / f"{split}.jsonl", "w") as out:
            for doc in docs:
                if doc["split"] == split:
                    out.write(json.dumps(doc) + "\n")
    summary = {
        "train_bytes": sum(len(d["text"].encode()) for d in docs if d["split"] == "train"),
        "heldout_bytes": sum(len(d["text"].encode()) for d in docs if d["split"] == "heldout"),
        "train_files": sum(d["split"] == "train" for d in docs),
        "heldout_files": sum(d["split"] == "heldout" for d in docs),
        "chat_examples": len(chats),
        "packages": len(manifest),
        "skipped_for_license": skipped,
    }
    with open(work / "manifest.json", "w") as out:
        json.dump({"summary": summary, "packages": sorted(manifest.values(), key=lambda e: e["package"])}, out, indent=1)
    print(json.dumps({k: v for k, v in summary.items() if k != "skipped_for_license"}), file=sys.stderr)
    print(f"skipped for license: {len(skipped)} packages", file=sys.stderr)


if __name__ == "__main__":
    main()
