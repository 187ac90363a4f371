package scenario

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestTruthIsDoc checks that each scenario's Truth is the first paragraph
// of its function's doc comment ("name: truth"), so that the Windows
// behaviour is stated once.
func TestTruthIsDoc(t *testing.T) {
	fset := token.NewFileSet()
	docs := make(map[string]string)
	files, err := filepath.Glob("*_windows.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no source files (%v)", err)
	}
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Doc != nil {
				docs[fd.Name.Name] = fd.Doc.Text()
			}
		}
	}
	for _, s := range Scenarios() {
		full := runtime.FuncForPC(reflect.ValueOf(s.run).Pointer()).Name()
		name := full[strings.LastIndex(full, ".")+1:]
		doc, ok := docs[name]
		if !ok {
			t.Errorf("%s: function %s has no doc comment", s.Name, name)
			continue
		}
		para, _, _ := strings.Cut(doc, "\n\n")
		para = strings.Join(strings.Fields(para), " ")
		rest, ok := strings.CutPrefix(para, name+": ")
		if !ok {
			t.Errorf("%s: doc of %s does not start with %q", s.Name, name, name+": ")
			continue
		}
		r, n := utf8.DecodeRuneInString(rest)
		if got := string(unicode.ToUpper(r)) + rest[n:]; got != s.Truth {
			t.Errorf("%s: Truth and doc comment of %s differ:\nTruth: %s\n  doc: %s", s.Name, name, s.Truth, got)
		}
	}
}

func TestNames(t *testing.T) {
	seen := make(map[string]bool)
	for _, s := range Scenarios() {
		if seen[s.Name] {
			t.Errorf("scenario %q twice", s.Name)
		}
		seen[s.Name] = true
		if s.Name == "" || s.Truth == "" || s.Expected == "" || s.run == nil {
			t.Errorf("scenario %q incomplete: %+v", s.Name, s)
		}
		if strings.ContainsAny(s.Name, " \t") {
			t.Errorf("scenario name %q has spaces", s.Name)
		}
	}
}

func TestSelect(t *testing.T) {
	got, err := Select("^connect-")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "connect-fail,connect-success,connect-event" {
		t.Errorf("Select(^connect-) = %v", names)
	}
	if all, _ := Select(""); len(all) != len(Scenarios()) {
		t.Errorf("Select(\"\") = %d scenarios, want %d", len(all), len(Scenarios()))
	}
	if _, err := Select("("); err == nil {
		t.Error("Select(\"(\") did not fail")
	}
}

func TestWine(t *testing.T) {
	v, ok := Wine()
	t.Logf("Wine: %v %q", ok, v)
	if ok && v == "" {
		t.Error("under Wine with an empty version")
	}
}
