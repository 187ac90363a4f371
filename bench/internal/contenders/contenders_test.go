package contenders

import (
	"go/build"
	"path/filepath"
	"slices"
	"testing"
)

func TestRegistry(t *testing.T) {
	platforms := map[string][]string{
		"evloop": {"linux", "windows"}, "gonet": {"linux", "windows"}, "gnet": {"linux", "windows"},
		"nbio": {"linux"}, "wsapoll": {"windows"}, "select": {"windows"},
	}
	cs := All()
	if len(cs) != len(platforms) || cs[0].Name != "evloop" {
		t.Fatalf("%d contenders, first %q; want %d, evloop first", len(cs), cs[0].Name, len(platforms))
	}
	for _, c := range cs {
		if !slices.Equal(c.GOOS, platforms[c.Name]) {
			t.Errorf("%s runs on %v, want %v", c.Name, c.GOOS, platforms[c.Name])
		}
		if got, ok := Lookup(c.Name); !ok || got.Package != c.Package {
			t.Errorf("Lookup(%q) = %+v, %v", c.Name, got, ok)
		}
		if c.Description == "" {
			t.Errorf("%s: no description", c.Name)
		}
		// The package is a main package of the bench module, relative to
		// its root, two levels up.
		pkg, err := build.ImportDir(filepath.Join("..", "..", filepath.FromSlash(c.Package)), build.IgnoreVendor)
		if err != nil {
			t.Errorf("%s: package %s: %v", c.Name, c.Package, err)
		} else if pkg.Name != "main" {
			t.Errorf("%s: package %s is %q, want main", c.Name, c.Package, pkg.Name)
		}
	}
	if _, ok := Lookup("none"); ok {
		t.Error("Lookup found a contender that does not exist")
	}
	for _, goos := range []string{"linux", "windows"} {
		for _, c := range On(goos) {
			if !c.RunsOn(goos) {
				t.Errorf("On(%s) lists %s", goos, c.Name)
			}
		}
	}
	if n := len(On("windows")); n != 5 {
		t.Errorf("%d contenders on windows, want 5", n)
	}
}
