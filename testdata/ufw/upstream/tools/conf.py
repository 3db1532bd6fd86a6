#!/usr/bin/env python3
"""Distinct versions of ufw's packaged conf/ files across its tags.
Usage: conf.py GITDIR OUTDIR  (writes OUTDIR/sources-conf.tsv)"""
import os, sys, subprocess
git, out = sys.argv[1], sys.argv[2]
def g(*a):
    return subprocess.run(["git", "--git-dir", git] + list(a), check=True, capture_output=True).stdout.decode()
tags = g("tag", "--sort=-version:refname").split()
refs = ["HEAD"] + tags  # newest first: a blob is named by the newest ref holding it
seen = {}
rows = []
for f in ["before.rules", "after.rules", "before6.rules", "after6.rules", "user.rules", "user6.rules", "ufw.conf", "ufw.defaults"]:
    for ref in refs:
        try:
            blob = g("rev-parse", "-q", "--verify", f"{ref}:conf/{f}").strip()
        except subprocess.CalledProcessError:
            continue
        if blob in seen:
            continue
        commit = g("rev-parse", f"{ref}^{{commit}}").strip()
        label = "HEAD" if ref == "HEAD" else ref.replace("/", "_")
        name = f"conf-{f}@{label}.txt"
        seen[blob] = name
        open(os.path.join(out, name), "wb").write(subprocess.run(["git", "--git-dir", git, "cat-file", "blob", blob], check=True, capture_output=True).stdout)
        rows.append((name, "conf-" + f, f"conf/{f}", commit, "1", "end", ref))
with open(os.path.join(out, "sources-conf.tsv"), "w") as o:
    for r in rows:
        o.write("\t".join(r) + "\n")
