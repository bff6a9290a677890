//go:build ignore

// Gen_dicom writes dicom-sop.csv (uid, name, modality) from a DICOM PS3.6
// UID list (uid,name,type,...,retired columns as in pydicom's dictionary).
// UID values and names are the DICOM standard's; the modality column is
// assigned here from the SOP class name by the patterns below.
//
//	go run gen_dicom.go -in dicom-uids.csv -out dicom-sop.csv
package main

import (
	"encoding/csv"
	"flag"
	"log"
	"os"
	"regexp"
)

var modalities = []struct {
	re  *regexp.Regexp
	mod string
}{
	{regexp.MustCompile(`Intravascular Optical Coherence`), "IVOCT"},
	{regexp.MustCompile(`Intra-Oral`), "IO"},
	{regexp.MustCompile(`Mammography|Breast Tomosynthesis|Breast Projection`), "MG"},
	{regexp.MustCompile(`Computed Radiography`), "CR"},
	{regexp.MustCompile(`Digital X-Ray|X-Ray 3D Craniofacial`), "DX"},
	{regexp.MustCompile(`X-Ray Angiographic|Enhanced XA|XA/XRF|XA (Defined|Performed)`), "XA"},
	{regexp.MustCompile(`Radiofluoroscopic|Enhanced XRF`), "RF"},
	{regexp.MustCompile(`\bCT\b`), "CT"},
	{regexp.MustCompile(`\bMR\b|Tractography`), "MR"},
	{regexp.MustCompile(`Ultrasound|\bUS\b`), "US"},
	{regexp.MustCompile(`Nuclear Medicine`), "NM"},
	{regexp.MustCompile(`Positron Emission|\bPET\b`), "PT"},
	{regexp.MustCompile(`ECG`), "ECG"},
	{regexp.MustCompile(`Hemodynamic|Arterial Pulse`), "HD"},
	{regexp.MustCompile(`Electroencephalogram`), "EEG"},
	{regexp.MustCompile(`Endoscopic`), "ES"},
	{regexp.MustCompile(`Microscop`), "SM"},
	{regexp.MustCompile(`Ophthalmic|Lensometry|Autorefraction|Keratometry|Visual Acuity|Intraocular|Corneal|Macular|Spectacle`), "OP"},
	{regexp.MustCompile(`VL Photographic|Video Photographic|Dermoscopic`), "XC"},
	{regexp.MustCompile(`^RT |RT Ion|RT Physician`), "RT"},
	{regexp.MustCompile(`Secondary Capture`), "SC"},
}

func main() {
	in := flag.String("in", "", "UID list CSV")
	out := flag.String("out", "dicom-sop.csv", "output")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		log.Fatal(err)
	}
	o, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := csv.NewWriter(o)
	w.Write([]string{"uid", "name", "modality"})
	n := 0
	for _, r := range rows[1:] {
		uid, name, typ := r[0], r[1], r[2]
		if typ != "SOP Class" && typ != "Meta SOP Class" {
			continue
		}
		mod := ""
		if regexp.MustCompile(`Storage`).MatchString(name) {
			for _, m := range modalities {
				if m.re.MatchString(name) {
					mod = m.mod
					break
				}
			}
		}
		w.Write([]string{uid, name, mod})
		n++
	}
	w.Flush()
	if err := o.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d SOP classes", n)
}
