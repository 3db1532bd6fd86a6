#!/usr/bin/env python3
"""Independent re-reading of the corpus inputs (from ufw's own formatting code,
src/backend_iptables.py get_status and the tuple format), compared with the
parsed facts in parsed.golden.json. Prints every disagreement."""
import json, os, re, sys
d = sys.argv[1]
g = json.load(open(os.path.join(d, "parsed.golden.json")))

def ranges(p):
    if p == "any": return None
    out = []
    for part in p.split(","):
        a, _, b = part.partition(":")
        out.append([int(a), int(b or a)])
    return out

def addr(a):
    return "any" if a in ("0.0.0.0/0", "::/0") else a

def tuple_rule(raw, v6file):
    body = raw[len("### tuple ###"):]
    comment = ""
    if " comment=" in body:
        body, h = body.split(" comment=", 1)
        comment = bytes.fromhex(h.strip()).decode()
    f = body.split()
    act = f[0]
    route = act.startswith("route:")
    act = act[len("route:"):] if route else act
    act, _, log = act.partition("_")
    r = dict(raw=raw, action=act, proto=f[1], to_ports=f[2], to=addr(f[3]), from_ports=f[4], **{"from": addr(f[5])})
    dapp = sapp = "-"
    if len(f) >= 8: dapp, sapp = f[6], f[7]
    dr = f[-1] if len(f) in (7, 9) else "in"
    ii = io = ""
    if "!" in dr:
        a, b = dr.split("!"); ii, io = a[3:], b[4:]; direction = "in"
    elif dr.startswith("in_"): direction, ii = "in", dr[3:]
    elif dr.startswith("out_"): direction, io = "out", dr[4:]
    else: direction = dr
    if route: direction = "fwd"
    r.update(dir=direction, v6=v6file or ":" in f[3] or ":" in f[5])
    r["to_ranges"], r["from_ranges"] = ranges(f[2]), ranges(f[4])
    r.update(iface_in=ii, iface_out=io, to_app="" if dapp == "-" else dapp.replace("%20", " "),
             from_app="" if sapp == "-" else sapp.replace("%20", " "), log=log, comment=comment)
    r["to_net"], r["from_net"] = net(f[3], r["v6"]), net(f[5], r["v6"])
    return r

row_re = re.compile(r"^(?:\[ *\d+\] )?(.*?)\s+(ALLOW|DENY|REJECT|LIMIT)(?: (IN|OUT|FWD))?\s+(.*?)$")
def side(s):
    """-> addr, ports, proto, app, iface, v6mark"""
    v6 = False
    iface = ""
    m = re.search(r" on (\S+)$", s)
    if m: iface, s = m.group(1), s[:m.start()]
    app = ""
    m = re.search(r" \((.*)\)$", s)
    if m:
        inner = m.group(1)
        if inner == "v6":
            v6 = True
        else:
            if inner.endswith(" (v6)"): v6, inner = True, inner[:-5]
            app = inner
        s = s[:m.start()]
    toks = s.split()
    a, ports, proto = "any", "any", "any"
    for t in toks:
        if t == "Anywhere": continue
        if t.startswith("Anywhere/"): proto = t.split("/")[1]; continue
        base, proto2 = t, None
        if "/" in t and re.fullmatch(r"[a-z][a-z0-9]*", t.rsplit("/", 1)[1]):
            base, proto2 = t.rsplit("/", 1)
        if proto2: proto = proto2
        if re.fullmatch(r"[0-9,:]+", base): ports = base
        elif re.fullmatch(r"[0-9a-fA-F.:]+(/\d+)?", base) and ("." in base or ":" in base): a = base
        else: app = base  # app name in plain/numbered form
    return a, ports, proto, app, iface, v6

def status_rule(raw):
    line = raw.rstrip()
    comment = ""
    if " # " in line:
        line, comment = line.split(" # ", 1)
    log = ""
    m = re.search(r"\s+\(((?:log|log-all)(?:, out)?|out)\)$", line)
    if m:
        attrs = m.group(1).split(", ")
        log = attrs[0] if attrs[0] != "out" else ""
        line = line[:m.start()]
    m = row_re.match(line)
    to_s, act, dr, from_s = m.group(1), m.group(2), m.group(3), m.group(4)
    ta, tp, tproto, tapp, tif, tv6 = side(to_s)
    fa, fp, fproto, fapp, fif, fv6 = side(from_s)
    direction = {"IN": "in", "OUT": "out", "FWD": "fwd", None: "in"}[dr]
    if direction == "fwd": ii, io = fif, tif
    else: ii, io = tif, fif
    proto = tproto if tproto != "any" else fproto
    if tapp and tp == "any" or fapp and fp == "any": pass
    r = dict(raw=raw.rstrip(), action=act.lower(), dir=direction, proto=proto, to=ta, to_ports=tp, to_ranges=ranges(tp),
             from_ports=fp, from_ranges=ranges(fp), v6=tv6 or fv6 or ":" in ta or ":" in fa,
             iface_in=ii, iface_out=io, to_app=tapp, from_app=fapp, log=log, comment=comment)
    r["from"] = fa
    v6 = r["v6"]
    r["to_net"], r["from_net"] = net(ta, v6), net(fa, v6)
    return r

import ipaddress

def net(a, v6):
    """The network ufw (iptables) applies for an address as written: see
    UFWNet. A dotted mask may be non-contiguous; iptables matches addr&mask."""
    if a == "any":
        a = "::/0" if v6 else "0.0.0.0/0"
    fam = "ipv6" if ":" in a else "ipv4"
    ip, _, m = a.partition("/")
    if "." in m and fam == "ipv4":
        mask = int(ipaddress.IPv4Address(m))
        ones = bin(mask)[2:].zfill(32)
        if "01" not in ones:  # contiguous: a plain prefix
            m = str(ones.count("1"))
        else:
            addr = int(ipaddress.IPv4Address(ip)) & mask
            lead = len(ones) - len(ones.lstrip("1"))
            cover = ipaddress.ip_network((addr, lead), strict=False)
            return dict(canonical=f"{ipaddress.IPv4Address(addr)}/{m}", any=False, family=fam, contiguous=False,
                        cover=str(cover), addr=str(ipaddress.IPv4Address(addr)), mask=m)
    n = ipaddress.ip_network(f"{ip}/{m}" if m else ip, strict=False)
    return dict(canonical=str(n), any=n.prefixlen == 0, family=fam, contiguous=True, cover=str(n))

def norm(r):
    return {k: v for k, v in r.items() if v not in ("", None, [], False) or k in ("v6",)}

bad = 0
nrules = 0
for name, facts in sorted(g.items()):
    text = open(os.path.join(d, name)).read()
    lines = text.split("\n")
    if "status" in name:
        want = []
        intable = False
        for l in lines:
            s = l.strip()
            if s.split() == ["To", "Action", "From"]: intable = True; continue
            if not intable or not s or set(s) <= set("- "): continue
            want.append(status_rule(l))
    elif facts["parser"].startswith("ParseUFWRulesFile"):
        v6 = "6.rules" in name
        want = [tuple_rule(l.rstrip(), v6) for l in lines if l.startswith("### tuple ###")]
    else:
        continue
    if facts.get("error"):
        print("ERROR", name, facts["error"]); continue
    for u in facts.get("unparsed", []):
        print("UNPARSED", name, u["line"], u["reason"], u["raw"])
    got = facts.get("rules", [])
    if len(got) != len(want):
        print("COUNT", name, len(got), len(want)); bad += 1; continue
    for gr, wr in zip(got, want):
        nrules += 1
        gr = dict(gr)  # the snapshot's UFWRule, in this script's terms
        gr["dir"] = gr.pop("direction")
        for k in ("to_ranges", "from_ranges"):
            gr[k] = [[x["from"], x["to"]] for x in gr.get(k) or []]
        a, b = norm(gr), norm(wr)
        if a != b:
            bad += 1
            diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
            print("DIFF", name, gr["raw"], diff)
print("rules compared:", nrules, "disagreements:", bad)
