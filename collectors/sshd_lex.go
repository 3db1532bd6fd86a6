package collectors

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// sshdMatchAttrs are the criteria of a Match line (servconf.c
// match_cfg_line); "all" stands alone.
var sshdMatchAttrs = map[string]bool{
	"user": true, "group": true, "host": true, "address": true, "localaddress": true,
	"localport": true, "rdomain": true, "version": true, "invalid-user": true,
}

// sshdMatchCriteria checks a Match line's arguments as sshd does and
// returns them as written, joined, and whether the line is `Match all`.
func sshdMatchCriteria(args []string) (string, bool, error) {
	for i := 0; i < len(args); i++ {
		a := strings.ToLower(args[i])
		if a == "all" {
			if len(args) > 1 {
				return "", false, errors.New(`"all" cannot be combined with other Match attributes (sshd refuses this file)`)
			}
			return "", true, nil
		}
		if a == "invalid-user" {
			continue
		}
		name, arg, eq := strings.Cut(a, "=")
		if !sshdMatchAttrs[name] {
			return "", false, fmt.Errorf("unknown Match criterion %q (sshd refuses this file)", args[i])
		}
		if !eq {
			if i+1 >= len(args) {
				return "", false, fmt.Errorf("missing Match criteria for %s (sshd refuses this file)", args[i])
			}
			i++
			arg = args[i]
		}
		if arg == "" {
			return "", false, fmt.Errorf("missing Match criteria for %s (sshd refuses this file)", name)
		}
	}
	return strings.Join(args, " "), false, nil
}

// sshdFlags are the checked keywords that take yes or no.
var sshdFlags = map[string]bool{
	"passwordauthentication": true, "kbdinteractiveauthentication": true, "pubkeyauthentication": true,
	"permitemptypasswords": true, "x11forwarding": true, "usepam": true, "hostbasedauthentication": true,
}

// checkSSHDValue checks the value of a keyword the SSH checks read as sshd
// does: a value sshd would refuse leaves the setting unknown.
func checkSSHDValue(kw string, args []string) error {
	one := func(ok func(string) bool, want string) error {
		switch {
		case len(args) > 1:
			return fmt.Errorf("%s takes one value, got %d (sshd refuses this file)", kw, len(args))
		case !ok(strings.ToLower(args[0])):
			return fmt.Errorf("%s %q: want %s (sshd refuses this file)", kw, args[0], want)
		}
		return nil
	}
	switch {
	case sshdFlags[kw]:
		return one(func(v string) bool { return v == "yes" || v == "no" }, "yes or no")
	case kw == "permitrootlogin":
		return one(func(v string) bool {
			return slices.Contains([]string{"yes", "no", "prohibit-password", "without-password", "forced-commands-only"}, v)
		}, "yes, prohibit-password, forced-commands-only or no")
	case kw == "port":
		return one(func(v string) bool {
			n, err := strconv.Atoi(v)
			return err == nil && n > 0 && n <= 65535
		}, "a port number")
	case kw == "maxauthtries":
		return one(func(v string) bool {
			n, err := strconv.Atoi(v)
			return err == nil && n >= 0
		}, "a number")
	}
	return nil
}

// parseSSHDLine splits one sshd_config line into its lower-case keyword
// (aliases resolved to the name sshd -T prints) and value. Comments, blank
// lines and lines sshd would refuse return ok=false. The keyword and value
// are separated by white space or '=' (sshd accepts "Keyword=value"); the
// value's words are split as sshd's argv_split does (quotes and
// backslash escapes removed, '#' at the start of a word starts a comment)
// and joined with one space.
func parseSSHDLine(line string) (keyword, value string, ok bool) {
	kw, args, err := splitSSHDLine(line)
	if err != nil || kw == "" {
		return "", "", false
	}
	if a, ok := sshdAliases[kw]; ok {
		kw = a
	}
	return kw, strings.Join(args, " "), true
}

// splitSSHDLine splits a line as servconf.c does: the keyword (lower
// case) ends at white space, a quote or one '='; the arguments are split
// by argv_split. A comment or blank line returns "". An error says why
// sshd would refuse the line, with the keyword when one was read.
func splitSSHDLine(line string) (string, []string, error) {
	s := strings.TrimLeft(strings.TrimRight(line, " \t\r\n\f"), " \t\r\n")
	if s == "" || s[0] == '#' {
		return "", nil, nil
	}
	i := strings.IndexAny(s, " \t\r\n\"=")
	if i < 0 {
		i = len(s)
	}
	kw := strings.ToLower(s[:i])
	if !sshdKeyword(kw) {
		return "", nil, fmt.Errorf("%q is not an sshd keyword (sshd refuses to load this file)", sshdLineText(s[:min(i, 40)]))
	}
	rest := strings.TrimLeft(s[i:], " \t\r\n")
	if strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
	}
	args, err := sshdArgv(rest)
	if err != nil {
		return kw, nil, err
	}
	if len(args) == 0 {
		return kw, nil, sshdNoArgError{kw}
	}
	return kw, args, nil
}

// sshdNoArgError is a keyword with no argument (sshd refuses the file).
type sshdNoArgError struct{ kw string }

func (e sshdNoArgError) Error() string {
	return fmt.Sprintf("no argument after keyword %q (sshd refuses this file)", e.kw)
}

// sshdArgv splits s into words as OpenSSH's argv_split does with
// terminate_on_comment: white space separates words, single or double
// quotes group, a backslash escapes a quote, a backslash or (outside
// quotes) a space, and a '#' where a word would start ends the line.
func sshdArgv(s string) ([]string, error) {
	var args []string
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' {
			continue
		}
		if s[i] == '#' {
			break
		}
		var b strings.Builder
		var quote byte
		for ; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '"' || s[i+1] == '\\' || quote == 0 && s[i+1] == ' '):
				i++
				b.WriteByte(s[i])
				continue
			case quote == 0 && (c == ' ' || c == '\t'):
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
				continue
			case quote != 0 && c == quote:
				quote = 0
				continue
			default:
				b.WriteByte(c)
				continue
			}
			break
		}
		if quote != 0 {
			return nil, errors.New("invalid quotes (sshd refuses this file)")
		}
		args = append(args, b.String())
	}
	return args, nil
}
