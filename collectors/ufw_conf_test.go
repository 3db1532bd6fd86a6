package collectors

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

func TestParseUFWConf(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		file    string
		want    snapshot.UFWConf
		wantErr string
	}{
		{name: "pristine", file: "etc-ufw-ufw.conf.txt", want: snapshot.UFWConf{Enabled: false, LogLevel: "low"}},
		{name: "enabled", file: "mlscan-capture-ufw.conf-enabled.txt", want: snapshot.UFWConf{Enabled: true, LogLevel: "low"}},
		{name: "quoted, spaced", input: "  ENABLED=\"yes\"\nLOGLEVEL='medium'  # set by ufw logging\n", want: snapshot.UFWConf{Enabled: true, LogLevel: "medium"}},
		{name: "missing keys", input: "# nothing\n", want: snapshot.UFWConf{}},
		{name: "garbage", input: "ENABLED=yes\nturn it on\n", wantErr: "line 2"},
		{name: "unterminated quote", input: "ENABLED=\"yes\n", wantErr: "quote"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.input)
			if tc.file != "" {
				in = ufwSample(t, tc.file)
			}
			got, err := parseUFWConf(bytes.NewReader(in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseUFWDefaults(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		file    string
		want    snapshot.UFWDefaults
		wantErr string
	}{
		{name: "packaged", file: "etc-default-ufw.txt",
			want: snapshot.UFWDefaults{IPv6: true, InputPolicy: "drop", OutputPolicy: "accept", ForwardPolicy: "drop", ApplicationPolicy: "skip"}},
		{name: "unquoted", input: "IPV6=no\nDEFAULT_INPUT_POLICY=ACCEPT\nDEFAULT_OUTPUT_POLICY=REJECT\nDEFAULT_FORWARD_POLICY=ACCEPT\nMANAGE_BUILTINS=yes\n",
			want: snapshot.UFWDefaults{IPv6: false, InputPolicy: "accept", OutputPolicy: "reject", ForwardPolicy: "accept", ManageBuiltins: true}},
		{name: "single quotes", input: "DEFAULT_INPUT_POLICY='REJECT'\n", want: snapshot.UFWDefaults{InputPolicy: "reject"}},
		{name: "invalid policy", input: "DEFAULT_INPUT_POLICY=\"MAYBE\"\n", wantErr: "DEFAULT_INPUT_POLICY"},
		{name: "skip is only for applications", input: "DEFAULT_FORWARD_POLICY=SKIP\n", wantErr: "skip"},
		{name: "garbage", input: "IPV6=yes\n=oops\n", wantErr: "line 2"},
		{name: "too large", input: strings.Repeat("#", maxUFWInput+1), wantErr: "MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.input)
			if tc.file != "" {
				in = ufwSample(t, tc.file)
			}
			got, err := parseUFWDefaults(bytes.NewReader(in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
