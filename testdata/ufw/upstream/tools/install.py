#!/usr/bin/env python3
"""Copy the picked inputs into DEST and write the provenance table part of SOURCES.md (stdout)."""
import os, sys, shutil
src, dest, keepf = sys.argv[1], sys.argv[2], sys.argv[3]
keep = set(open(keepf).read().split())
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(src, "sources.tsv"))]
conf = [l.rstrip("\n").split("\t") for l in open(os.path.join(src, "sources-conf.tsv"))]
os.makedirs(dest, exist_ok=True)
def esc(s): return s.replace("|", "\\|").replace("`", "'")
print("| file | path | commit | lines | step (ufw arguments) |")
print("|---|---|---|---|---|")
n = 0
for r in sorted(rows, key=lambda r: r[0]):
    if r[0] not in keep: continue
    shutil.copyfile(os.path.join(src, r[0]), os.path.join(dest, r[0])); n += 1
    print(f"| {r[0]} | {r[2]} | {r[3]} | {r[4]}-{r[5]} | `{esc(r[6])}` |")
print()
print("| file | path | ref | commit |")
print("|---|---|---|---|")
for r in conf:
    shutil.copyfile(os.path.join(src, r[0]), os.path.join(dest, r[0])); n += 1
    print(f"| {r[0]} | {r[2]} | {r[6]} | {r[3]} |")
print(n, file=sys.stderr)
