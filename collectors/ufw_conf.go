package collectors

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// parseUFWConf parses /etc/ufw/ufw.conf (ENABLED, LOGLEVEL). The Source is
// left for the caller.
func parseUFWConf(r io.Reader) (snapshot.UFWConf, error) {
	var c snapshot.UFWConf
	err := ufwParseShellVars(r, func(k, v string) error {
		switch k {
		case "ENABLED":
			c.Enabled = v == "yes"
		case "LOGLEVEL":
			c.LogLevel = v
		}
		return nil
	})
	return c, err
}

// parseUFWDefaults parses /etc/default/ufw. Policies are lower-cased as
// ufw itself reads them: accept, drop, reject (and skip for the
// application policy). The Source is left for the caller.
func parseUFWDefaults(r io.Reader) (snapshot.UFWDefaults, error) {
	var d snapshot.UFWDefaults
	policy := func(k, v string, valid ...string) (string, error) {
		for _, p := range valid {
			if v == p {
				return v, nil
			}
		}
		return "", fmt.Errorf("%s: invalid policy %q (valid: %s)", k, ufwClip(v), strings.Join(valid, ", "))
	}
	err := ufwParseShellVars(r, func(k, v string) error {
		var err error
		switch k {
		case "IPV6":
			d.IPv6 = v == "yes"
		case "MANAGE_BUILTINS":
			d.ManageBuiltins = v == "yes"
		case "DEFAULT_INPUT_POLICY":
			d.InputPolicy, err = policy(k, v, "accept", "drop", "reject")
		case "DEFAULT_OUTPUT_POLICY":
			d.OutputPolicy, err = policy(k, v, "accept", "drop", "reject")
		case "DEFAULT_FORWARD_POLICY":
			d.ForwardPolicy, err = policy(k, v, "accept", "drop", "reject")
		case "DEFAULT_APPLICATION_POLICY":
			d.ApplicationPolicy, err = policy(k, v, "accept", "drop", "reject", "skip")
		}
		return err
	})
	return d, err
}

// ufwParseShellVars reads KEY=value lines (value optionally quoted, lower-cased
// as ufw does), skipping blanks and comments; other lines are errors.
func ufwParseShellVars(r io.Reader, set func(k, v string) error) error {
	text, err := readUFWInput(r)
	if err != nil {
		return err
	}
	for n := 1; text != ""; n++ {
		var line string
		line, text = ufwNextLine(text)
		s := strings.TrimSpace(line)
		if s == "" || s[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok || !ufwValidVarName(k) {
			return fmt.Errorf("line %d: want KEY=value: %q", n, ufwClip(line))
		}
		v, err := ufwShellValue(v)
		if err != nil {
			return fmt.Errorf("line %d: %w: %q", n, err, ufwClip(line))
		}
		if err := set(k, strings.ToLower(v)); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return nil
}

// ufwShellValue unquotes a simple shell value and drops a trailing comment.
func ufwShellValue(v string) (string, error) {
	if v != "" && (v[0] == '"' || v[0] == '\'') {
		end := strings.IndexByte(v[1:], v[0])
		if end < 0 {
			return "", errors.New("unterminated quote")
		}
		return v[1 : end+1], nil
	}
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = v[:i]
	}
	return v, nil
}

func ufwValidVarName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
