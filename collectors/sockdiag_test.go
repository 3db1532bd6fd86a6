package collectors

import (
	"testing"
)

// TestParseInetDiagMsgTruncated: a short or malformed message is no answer.
func TestParseInetDiagMsgTruncated(t *testing.T) {
	for _, b := range [][]byte{nil, make([]byte, inetDiagMsgLen-1), append(make([]byte, inetDiagMsgLen), 3, 0, 11, 0)} {
		if _, _, ok := parseInetDiagMsg(b); ok {
			t.Errorf("%d bytes parsed", len(b))
		}
	}
}
