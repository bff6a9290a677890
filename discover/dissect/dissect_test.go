package dissect

import "testing"

func TestEveryKeyHasAName(t *testing.T) {
	seen := map[string]Key{}
	for k := Key(1); k < numKeys; k++ {
		info := k.Info()
		if info.Proto == "" || info.Field == "" {
			t.Errorf("key %d has no section/field", k)
			continue
		}
		if o, dup := seen[k.String()]; dup {
			t.Errorf("keys %d and %d are both %s", o, k, k)
		}
		seen[k.String()] = k
		if got, ok := KeyByName(k.String()); !ok || got != k {
			t.Errorf("KeyByName(%s) = %d", k, got)
		}
	}
	for a := App(1); a < numApps; a++ {
		if a.String() == "" {
			t.Errorf("app %d has no name", a)
		}
		if got, ok := AppByName(a.String()); !ok || got != a {
			t.Errorf("AppByName(%s) = %d", a, got)
		}
	}
}
