package mongo

import "testing"

func TestFerretDBMajor(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]int{"v1.24.2": 1, "v2.1.0": 2, "2.5.0": 2, "unknown": 0, "": 0, "v10.0.0-rc1": 10} {
		if got := ferretDBMajor(v); got != want {
			t.Errorf("ferretDBMajor(%q) = %d, want %d", v, got, want)
		}
	}
}
