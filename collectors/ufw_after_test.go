package collectors

import "testing"

func TestHasDockerUserRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want bool
	}{
		// The block ufw-docker's `install` appends to after.rules.
		{"ufw-docker", "# BEGIN UFW AND DOCKER\n*filter\n:ufw-user-forward - [0:0]\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -j ufw-user-forward\n-A DOCKER-USER -j RETURN -s 10.0.0.0/8\nCOMMIT\n# END UFW AND DOCKER\n", true},
		{"stock", "*filter\n:ufw-after-input - [0:0]\n-A ufw-after-input -p udp --dport 137 -j ufw-skip-to-policy-input\nCOMMIT\n", false},
		{"commented", "# -A DOCKER-USER -j ufw-user-forward\n", false},
	} {
		if got := hasDockerUserRules([]byte(tc.in)); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
