#!/usr/bin/env python3
"""Pick the corpus inputs among those extract.py wrote: every status output,
and each rules file that adds a tuple feature not seen before (action, proto,
port forms, address forms, apps, direction/interface form, comment) or holds
a dotted netmask or a prefix 0 with host bits (issue 15).
Usage: pick.py OUTDIR > keep"""
import sys, re, os
d = sys.argv[1]
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(d, "sources.tsv"))]

def addr(a):
    if a in ("any",): return "any"
    if a in ("0.0.0.0/0", "::/0"): return "zero"
    v6 = ":" in a
    if "/" in a:
        ip, m = a.split("/", 1)
        if "." in m: return ("v6" if v6 else "v4") + "-dotmask"
        if m == "0": return ("v6" if v6 else "v4") + "-prefix0-hostbits"
        return ("v6" if v6 else "v4") + "-cidr" + ("32" if m in ("32", "128") else "")
    return ("v6" if v6 else "v4") + "-host"

def port(p):
    if p == "any": return "any"
    if "," in p: return "list" + (":" if ":" in p else "")
    if ":" in p: return "range"
    if p.isdigit(): return "num"
    return "name"

def shape(t):
    body = t[len("### tuple ###"):]
    comment = " comment=" in body
    body = body.split(" comment=")[0]
    f = body.split()
    sh = [f[0], f[1] if f[1] in ("any", "tcp", "udp") else "other", port(f[2]), addr(f[3]), port(f[4]), addr(f[5]), str(len(f))]
    if len(f) >= 8:
        sh += ["dapp" if f[6] != "-" else "-", "sapp" if f[7] != "-" else "-"]
    dr = f[-1] if len(f) in (7, 9) else "nodir"
    sh.append(re.sub(r"_[^!]+", "_IF", dr))
    sh.append("comment" if comment else "")
    return tuple(sh)

# the user.rules/user6.rules greps printed right after a `status numbered`
# (same firewall state: TestUFWCorpusPairs compares the two)
paired = set()
ordered = sorted(rows, key=lambda r: (r[2], r[3], int(r[4])))
for i, r in enumerate(ordered):
    if r[1] != "status-numbered" or r[0].startswith("v"):
        continue
    j = i + 1
    while j < len(ordered) and ordered[j][1].endswith("grepA2") and ordered[j][2:4] == r[2:4] \
            and int(ordered[j][4]) - int(ordered[j-1][5]) <= 4:
        paired.add(ordered[j][0])
        j += 1

seen = set()
keep = []
for r in rows:
    name, kind = r[0], r[1]
    if kind.startswith("status"):
        keep.append(name); continue
    text = open(os.path.join(d, name)).read()
    tuples = [l for l in text.split("\n") if l.startswith("### tuple ###")]
    fam = kind.split("-")[1]
    shapes = set()
    for t in tuples:
        for k, v in enumerate(shape(t)):
            shapes.add((fam, k, v))
    if not tuples:
        shapes = {(fam, "empty")}
    # the issue-15 cases: every non-contiguous dotted mask and prefix 0 with host bits
    special = any(v in ("v4-dotmask", "v6-dotmask", "v4-prefix0-hostbits", "v6-prefix0-hostbits") for s in shapes for v in s[-1:])
    if shapes - seen or special and not name.startswith("v") or name in paired:
        seen |= shapes
        keep.append(name)
print("\n".join(keep))
