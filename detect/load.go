package detect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"bianque/detect/logsource"
	"bianque/detect/sigma"
	"bianque/event"
)

// ReadRules parses every .yml and .yaml file under the given directories (or
// files), in lexical order. Documents that do not parse are returned as
// RuleErrors; an error is returned only when a directory cannot be read.
func ReadRules(paths ...string) ([]*sigma.Rule, []RuleError, error) {
	var rules []*sigma.Rule
	var bad []RuleError
	for _, root := range paths {
		var files []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			if ext := strings.ToLower(filepath.Ext(p)); ext == ".yml" || ext == ".yaml" {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("read rules: %w", err)
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, nil, fmt.Errorf("read rules: %w", err)
			}
			rs, errs := sigma.Parse(f, data)
			rules = append(rules, rs...)
			for _, e := range errs {
				re := RuleError{Source: f, Reason: e.Error()}
				var se *sigma.Error
				if errors.As(e, &se) {
					re.Reason = se.Msg
					if se.Line > 0 {
						re.Reason = fmt.Sprintf("line %d: %s", se.Line, se.Msg)
					}
				}
				bad = append(bad, re)
			}
		}
	}
	return rules, bad, nil
}

// ParseEvent decodes one JSON event: ECS (nested or dotted keys) or a raw
// Windows event ({"Event":{"System":{...},"EventData":{...}}}).
func ParseEvent(line []byte) (*event.Event, error) {
	ev, err := event.Parse(line)
	if err != nil {
		return nil, err
	}
	if ev.Has("Event.System.Channel") || ev.Has("Event.System.EventID") {
		logsource.LiftUserData(ev)
	}
	return ev, nil
}
