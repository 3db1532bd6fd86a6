package collectors

import (
	"bufio"
	"bytes"
	"os"
	"strings"
)

// dockerUserBlock reports whether /etc/ufw/after.rules routes Docker's
// forwarded traffic through UFW (the ufw-docker block: rules in the
// DOCKER-USER chain); nil when the file cannot be read.
func dockerUserBlock(env *Env) *bool {
	b, err := os.ReadFile(env.Path("/etc/ufw/after.rules"))
	if err != nil {
		return nil
	}
	v := hasDockerUserRules(b)
	return &v
}

func hasDockerUserRules(b []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "-A DOCKER-USER ") {
			return true
		}
	}
	return false
}
