//go:build race

package service_test

// raceEnabled: the race detector slows everything several times over.
const raceEnabled = true
