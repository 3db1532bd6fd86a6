// Package collectors gathers a host's security-relevant facts into one
// versioned JSON snapshot (package snapshot, the contract between
// collection and evaluation): the scanner package never imports this one,
// it reads the snapshot.
package collectors
