package baseline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FileStore keeps the state in one JSON file, replaced atomically.
type FileStore struct {
	Path string
}

// Load reads the state; a missing file is an empty state.
func (f FileStore) Load(ctx context.Context) (*State, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Path, err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("parse %s: %w", f.Path, err)
	}
	if s.Version != 1 {
		return nil, fmt.Errorf("%s: state version %d is not supported", f.Path, s.Version)
	}
	return &s, nil
}

// Save writes the state to a temporary file and renames it over the old one.
func (f FileStore) Save(ctx context.Context, s *State) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode baseline: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), ".baseline-*")
	if err != nil {
		return fmt.Errorf("save baseline: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("save baseline: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("save baseline: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save baseline: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save baseline: %w", err)
	}
	return nil
}
