#!/usr/bin/env python3
"""Split ufw's own test-suite results into single inputs (mlscan corpus).

Usage: extract.py GITDIR OUTDIR
Reads tests/**/result at commit C of the ufw repository; writes one file per
distinct input plus sources.tsv (file, path, commit, first line, last line,
step command).
"""
import os, re, sys, subprocess, hashlib

C = "8c062e811a51d65ec2158122bc143ecfef75b2a8"
git, out = sys.argv[1], sys.argv[2]
# extract.py GITDIR OUTDIR REF PREFIX: another release's results, names prefixed
PREFIX = ""
if len(sys.argv) > 4:
    C = subprocess.run(["git", "--git-dir", git, "rev-parse", sys.argv[3] + "^{commit}"],
                       check=True, capture_output=True).stdout.decode().strip()
    PREFIX = sys.argv[4]

def show(commit, path):
    return subprocess.run(["git", "--git-dir", git, "show", f"{commit}:{path}"],
                          check=True, capture_output=True).stdout.decode()

def ls(commit, prefix):
    r = subprocess.run(["git", "--git-dir", git, "ls-tree", "-r", "--name-only", commit, prefix],
                       check=True, capture_output=True).stdout.decode()
    return r.split()

step_re = re.compile(r"^(\d+): (.*)$")
seen = {}
if len(sys.argv) > 4:  # do not repeat what an earlier run already wrote
    for l in open(os.path.join(out, "sources.tsv")):
        name = l.split("\t")[0]
        seen[hashlib.sha256(open(os.path.join(out, name), "rb").read()).hexdigest()] = name
rows = []

def emit(name, lines, path, commit, first, last, cmd, kind):
    text = "\n".join(lines) + "\n"
    h = hashlib.sha256(text.encode()).hexdigest()
    if h in seen:
        return
    seen[h] = name
    with open(os.path.join(out, name), "w") as f:
        f.write(text)
    rows.append((name, kind, path, commit, first, last, cmd))

def suite(path):
    return PREFIX + path[len("tests/"):-len("/result")].replace("/", "_")

for path in ls(C, "tests"):
    if not path.endswith("/result") or path.endswith("-result"):
        continue
    lines = show(C, path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    s = suite(path)
    cmd = ""
    i = 0
    while i < len(lines):
        l = lines[i]
        m = step_re.match(l)
        if m:
            cmd = m.group(2)
            i += 1
            continue
        # ufw status output
        if l.startswith("Status: "):
            j = i + 1
            while j < len(lines) and lines[j].strip() != "":
                j += 1
            # a rule table follows the header after one blank line
            if j + 1 < len(lines) and lines[j].strip() == "" and lines[j+1].split() == ["To", "Action", "From"]:
                j += 1
                while j < len(lines) and lines[j].strip() != "":
                    j += 1
            kind = "status"
            if "verbose" in cmd: kind = "status-verbose"
            elif "numbered" in cmd: kind = "status-numbered"
            emit(f"{s}-L{i+1}-{kind}.txt", lines[i:j], path, C, i+1, j, cmd, kind)
            i = j
            continue
        # grep -A2 tuple output of user.rules then user6.rules
        if l.startswith("### tuple ###"):
            j = i
            while j < len(lines) and (lines[j].startswith("### tuple ###") or lines[j].startswith("-A ")
                                      or lines[j] == "--" or lines[j] == ""):
                j += 1
            while j > i and lines[j-1] == "":
                j -= 1
            block = lines[i:j]
            # split where the chains turn from ufw- to ufw6-
            split = len(block)
            for k, b in enumerate(block):
                if b.startswith("### tuple ###"):
                    nxt = [x for x in block[k+1:k+3] if x.startswith("-A ")]
                    if nxt and nxt[0].startswith("-A ufw6-"):
                        split = k
                        break
            if split > 0:
                emit(f"{s}-L{i+1}-user.rules-grepA2.txt", block[:split], path, C, i+1, i+split, cmd, "user.rules-grepA2")
            if split < len(block):
                emit(f"{s}-L{i+split+1}-user6.rules-grepA2.txt", block[split:], path, C, i+split+1, j, cmd, "user6.rules-grepA2")
            i = j
            continue
        # --dry-run prints the rules files it would write
        if l == "*filter":
            j = i
            while j < len(lines) and lines[j] != "COMMIT":
                j += 1
            block = lines[i:j+1]
            if any(b.startswith(":ufw6-user-input ") for b in block):
                kind = "user6.rules-dryrun"
            elif any(b.startswith(":ufw-user-input ") for b in block):
                kind = "user.rules-dryrun"
            else:
                kind = "other-dryrun"
            emit(f"{s}-L{i+1}-{kind}.txt", block, path, C, i+1, j+1, cmd, kind)
            i = j + 1
            continue
        i += 1

with open(os.path.join(out, "sources.tsv"), "a" if PREFIX else "w") as f:
    for r in rows:
        f.write("\t".join(str(x) for x in r) + "\n")
