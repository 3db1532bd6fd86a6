package snapshot

// Values of SSHDSection.Source.
const (
	SSHDFromTest  = "sshd -T" // sshd printed its effective settings
	SSHDFromFiles = "files"   // mlscan derived them from sshd_config and its Includes
)

// SSHDSection is sshd's effective configuration: what `sshd -T` prints
// (root), or what mlscan derives from sshd_config and its Included
// drop-ins read in sshd's order, first value winning (without root, or when
// `sshd -T` fails).
type SSHDSection struct {
	// Installed is true when the sshd binary exists.
	Installed bool `json:"installed"`
	// Source says where Effective comes from: "sshd -T" or "files".
	Source string `json:"source" jsonschema:"enum=sshd -T,enum=files"`
	// From is the command run or the main configuration file read.
	From string `json:"from"`
	// Test is the outcome of `sshd -T`; when it is not ok, Effective was
	// derived from the files and Test.Error says why.
	Test Source `json:"test"`
	// Effective maps each lower-case keyword to its value as sshd -T prints
	// it; keywords given several times (listenaddress, hostkey, acceptenv,
	// ...) hold their values joined with ", ".
	Effective map[string]string `json:"effective"`
	// Defaulted lists the checked keywords no file sets: their value is
	// OpenSSH's compiled-in default (filled by mlscan when Source is
	// "files"), less those a line not understood could set. Empty when
	// the main file could not be read.
	Defaulted []string `json:"defaulted"`
	// Origins says which file and line set each keyword (its first value),
	// from reading the files; empty when the main file could not be read.
	Origins map[string]SSHDOrigin `json:"origins"`
	// Files are the configuration files read, in sshd's order.
	Files []Source `json:"files"`
	// Conditional are settings inside Match blocks: they apply only to the
	// connections the block matches, and neither `sshd -T` nor Effective
	// shows them.
	Conditional []SSHDConditional `json:"conditional"`
	// Unparsed are the lines of the files mlscan did not understand (or
	// Includes it could not read), at most 100. When Source is "files",
	// a keyword such a line could set first is missing from Effective
	// (unknown), and the others keep their value.
	Unparsed []SSHDUnparsed `json:"unparsed,omitempty"`
}

// SSHDUnparsed is a configuration line mlscan did not understand, or an
// Include it could not read.
type SSHDUnparsed struct {
	File string `json:"file"`
	Line int    `json:"line"`
	// Text is the line as written, trimmed, secret-looking words
	// redacted, cut at 200 bytes.
	Text   string `json:"text"`
	Reason string `json:"reason"`
	// Match is the Match criteria in force at the line ("" outside Match
	// blocks): only the settings of connections matching it are affected.
	Match string `json:"match"`
	// Affects are the lower-case keywords whose value the line could set;
	// "*" is any keyword; empty is none (the line sets nothing, though
	// sshd refuses to load the file).
	Affects []string `json:"affects"`
}

// SSHDOrigin is where a keyword got its effective value.
type SSHDOrigin struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Value string `json:"value"`
}

// SSHDConditional is one setting inside a Match block.
type SSHDConditional struct {
	// Match is the block's criteria as written ("Address 10.0.0.0/24").
	// Inside a file Included under a Match block, the enclosing blocks'
	// criteria come first ("Host m Host c"): sshd ANDs them all.
	Match   string `json:"match"`
	Keyword string `json:"keyword"`
	Value   string `json:"value"`
	File    string `json:"file"`
	Line    int    `json:"line"`
}
