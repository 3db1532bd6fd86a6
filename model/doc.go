// Package model computes, once per snapshot, the mechanics the checks
// need and hands them to the policies as facts (input.model): the packet
// path through the kernel's netfilter rules (netpath*.go) and, from it,
// which listening socket and which published container port can be
// reached from where (exposure.go).
//
// It reads the snapshot only, so `mlscan eval` of a saved snapshot on any
// machine computes the same facts. Whatever it cannot decide is unknown,
// with the reason and the rule quoted; never reachable or blocked by
// guess.
package model
