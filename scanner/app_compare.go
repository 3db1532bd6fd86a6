package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/mlscan/mlscan/snapshot"
)

// Side is one side of a comparison: the reports of a result file, or the
// report and typed snapshot of a snapshot file.
type Side struct {
	// Path is the file read.
	Path string
	// Kind is KindResults or KindSnapshot.
	Kind string
	// Reports are the file's reports (a snapshot's one, evaluated).
	Reports []*Report
	// Snapshots are the typed snapshots, one per report (nil entries for
	// a result file).
	Snapshots []*snapshot.Snapshot
}

// ReadSide reads a result file or a snapshot, telling them apart by shape:
// a result file (one report or an array of them) has "results", a
// snapshot has "collectors" and no "results". A snapshot is evaluated
// (compiling the policies if not yet done) and waived; a result file is
// taken as written. flag names the option in messages ("--baseline"), ""
// for an argument.
func (a *App) ReadSide(ctx context.Context, path, flag string) (*Side, error) {
	where := path
	if flag != "" {
		where = flag + " " + path
	}
	data, err := readLimited(path, snapshot.MaxBytes)
	if err != nil {
		if flag != "" {
			err = fmt.Errorf("%s: %w", flag, err)
		}
		return nil, err
	}
	s := &Side{Path: path}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var reps []*Report
		if err := json.Unmarshal(data, &reps); err != nil {
			return nil, fmt.Errorf("%s: not an mlscan result file (a JSON array of reports): %v", where, err)
		}
		for _, r := range reps {
			if err := checkReport(where, r); err != nil {
				return nil, err
			}
		}
		s.Kind, s.Reports, s.Snapshots = KindResults, reps, make([]*snapshot.Snapshot, len(reps))
		return s, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: neither a result file nor a snapshot: %v", where, err)
	}
	switch _, results := probe["results"]; {
	case results:
		var r Report
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("%s: not an mlscan result file: %v", where, err)
		}
		if err := checkReport(where, &r); err != nil {
			return nil, err
		}
		s.Kind, s.Reports, s.Snapshots = KindResults, []*Report{&r}, []*snapshot.Snapshot{nil}
	case probe["collectors"] != nil:
		rep, snap, err := a.EvalSnapshot(ctx, path, data)
		if err != nil {
			return nil, err
		}
		s.Kind, s.Reports, s.Snapshots = KindSnapshot, []*Report{rep}, []*snapshot.Snapshot{snap}
	default:
		return nil, fmt.Errorf("%s: neither a result file (no \"results\") nor a snapshot (no \"collectors\"): make one with `mlscan scan -f json=FILE` or `mlscan collect -o FILE`", where)
	}
	return s, nil
}

// checkReport accepts a report of this build's result schema and recounts
// its summary.
func checkReport(where string, r *Report) error {
	if r == nil || r.SchemaVersion != ReportSchemaVersion {
		v := 0
		if r != nil {
			v = r.SchemaVersion
		}
		return fmt.Errorf("%s: result file schema_version %d is not supported (this mlscan reads %d)", where, v, ReportSchemaVersion)
	}
	r.Summary = Summarize(r.Results)
	return nil
}

// Compare compares two evaluations of one host, each a result file or a
// snapshot (see ReadSide): the result changes and, when both are
// snapshots, the inventory drift behind them.
func (a *App) Compare(ctx context.Context, oldPath, newPath string) (*Diff, error) {
	sides := make([]*Side, 2)
	for i, p := range []string{oldPath, newPath} {
		s, err := a.ReadSide(ctx, p, "")
		if err != nil {
			return nil, err
		}
		if len(s.Reports) != 1 {
			return nil, fmt.Errorf("%s holds %d reports; diff compares one host (give each host's own file)", p, len(s.Reports))
		}
		sides[i] = s
	}
	d := a.diffSides(ctx, sides[0], 0, sides[1].Reports[0], sides[1].Snapshots[0])
	d.New.Source, d.New.Kind = newPath, sides[1].Kind
	return d, nil
}

// Baseline compares each report (as made by this App: waived) with its
// host's report in base, an earlier result file or snapshot of the same
// hosts, for the Markdown report's "Changes since the last review"
// section. A base of one host pairs with a single report whatever its
// name. snaps are the reports' snapshots (nil entries, or nil, without
// them: no inventory drift). Hosts without a baseline get no entry.
func (a *App) Baseline(ctx context.Context, base *Side, reports []*Report, snaps []*snapshot.Snapshot) map[string]*Diff {
	byHost := map[string]int{}
	for i, r := range base.Reports {
		byHost[r.Host] = i
	}
	out := map[string]*Diff{}
	for k, r := range reports {
		i, ok := byHost[r.Host]
		if !ok && len(base.Reports) == 1 && len(reports) == 1 {
			i, ok = 0, true
		}
		if !ok {
			continue
		}
		var snap *snapshot.Snapshot
		if k < len(snaps) {
			snap = snaps[k]
		}
		out[r.Host] = a.diffSides(ctx, base, i, r, snap)
		out[r.Host].New.Kind = KindSnapshot
	}
	return out
}

// diffSides compares report i of old with a new report (and its snapshot,
// nil for a result file); the inventory drift is added when both sides are
// snapshots, explained with the engine's checks.
func (a *App) diffSides(ctx context.Context, old *Side, i int, rep *Report, snap *snapshot.Snapshot) *Diff {
	d := DiffReports(old.Reports[i], rep)
	d.Old.Source, d.Old.Kind = old.Path, old.Kind
	if old.Snapshots[i] != nil && snap != nil {
		var checks []Check
		// Two snapshots were evaluated: the engine is compiled already.
		if e, err := a.Engine(ctx); err == nil {
			checks = e.Checks()
		}
		d.Explain(DiffSnapshots(old.Snapshots[i], snap), checks)
	}
	return d
}
