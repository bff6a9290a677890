// Command corpusreport scores the parser against the shared log corpus and
// prints the per-product table of docs/parse.md, or the mismatches of one
// product.
//
//	go run ./parse/internal/corpusreport -corpora ../shared/corpora            # markdown table
//	go run ./parse/internal/corpusreport -product fortigate -misses           # what is missed
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"bianque/parse"
	"bianque/parse/internal/corpus"
	"bianque/parse/std"
)

func main() {
	dir := flag.String("corpora", filepath.Join("..", "shared", "corpora"), "shared corpora directory")
	product := flag.String("product", "", "only this corpus product")
	misses := flag.Bool("misses", false, "print the fields missed, by field, with examples")
	cases := flag.Bool("cases", false, "print every case's misses")
	vendors := flag.Bool("vendors", false, "print the vendor table of docs/parse.md and exit")
	docs := flag.String("docs", "", "rewrite the corpus table in this markdown file (docs/parse.md) instead of printing it")
	flag.Parse()
	if *vendors {
		fmt.Println("| Vendor id | Aliases | Product | Formats | Verified by |")
		fmt.Println("|---|---|---|---|---|")
		for _, v := range std.Registry().Vendors() {
			fs := make([]string, len(v.Formats))
			for i, f := range v.Formats {
				fs[i] = string(f)
			}
			fmt.Printf("| `%s` | %s | %s | %s | %s |\n", v.ID, strings.Join(v.Aliases, ", "), v.Name, strings.Join(fs, ", "), v.Verified)
		}
		return
	}
	all, err := corpus.Load(filepath.Join(*dir, "logs"))
	if err != nil {
		log.Fatal(err)
	}
	if *product != "" {
		var sel []corpus.Case
		for _, c := range all {
			if c.Product == *product {
				sel = append(sel, c)
			}
		}
		all = sel
	}
	p := std.NewParser(parse.Options{})
	type agg struct {
		n       int
		example []string
	}
	byField := map[string]*agg{}
	res, total := corpus.Run(p, all, func(c *corpus.Case, ms []corpus.Mismatch, err error) {
		if *cases && (len(ms) > 0 || err != nil) {
			fmt.Printf("== %s %s err=%v\n   %.300s\n", c.ID, c.File, err, c.Input)
			for _, m := range ms {
				w, _ := json.Marshal(m.Want)
				g, _ := json.Marshal(m.Got)
				fmt.Printf("   %-40s want %.120s got %.120s\n", m.Field, w, g)
			}
		}
		for _, m := range ms {
			a := byField[m.Field]
			if a == nil {
				a = &agg{}
				byField[m.Field] = a
			}
			a.n++
			if len(a.example) < 2 {
				w, _ := json.Marshal(m.Want)
				g, _ := json.Marshal(m.Got)
				a.example = append(a.example, fmt.Sprintf("want %.100s got %.100s (%s)", w, g, filepath.Base(c.File)))
			}
		}
	})
	if *misses {
		keys := make([]string, 0, len(byField))
		for k := range byField {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return byField[keys[i]].n > byField[keys[j]].n })
		for _, k := range keys {
			fmt.Printf("%4d %s\n", byField[k].n, k)
			for _, ex := range byField[k].example {
				fmt.Printf("       %s\n", ex)
			}
		}
	}
	if *docs != "" {
		if err := rewriteDocs(*docs, corpus.MarkdownTable(res, total)); err != nil {
			log.Fatal(err)
		}
		return
	}
	fmt.Print(corpus.MarkdownTable(res, total))
}

// rewriteDocs replaces the generated table between the markers.
func rewriteDocs(path, table string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i := strings.Index(s, corpus.TableStart)
	j := strings.Index(s, corpus.TableEnd)
	if i < 0 || j < i {
		return fmt.Errorf("%s: table markers not found", path)
	}
	s = s[:i+len(corpus.TableStart)] + "\n" + table + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
