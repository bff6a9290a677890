package bianque

import "testing"

func TestMaskingPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *MaskingPolicy
		ok   bool
	}{
		{"nil", nil, true},
		{"fields and patterns", &MaskingPolicy{Fields: []string{"hospital.patient.name", "hospital.patient.mrn"}, TextKeys: []string{"patient_name"},
			Patterns: []MaskingPattern{{Name: "mrn", Regexp: `MRN[0-9]{8}`}}}, true},
		{"bad field name", &MaskingPolicy{Fields: []string{"patient name"}}, false},
		{"bad regexp", &MaskingPolicy{Patterns: []MaskingPattern{{Name: "x", Regexp: `(`}}}, false},
		{"pattern matching empty", &MaskingPolicy{Patterns: []MaskingPattern{{Name: "x", Regexp: `a*`}}}, false},
		{"unnamed pattern", &MaskingPolicy{Patterns: []MaskingPattern{{Regexp: `MRN\d+`}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultContract()
			c.Masking = tc.p
			err := c.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Errorf("code %s, want %s", ErrorCode(err), EINVALID)
			}
		})
	}
}
